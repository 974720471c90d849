package main

import (
	"context"

	"github.com/cairnpkg/cairn/node"
	"github.com/spf13/cobra"
)

func newPeersCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "peers",
		Short: "List the peers the running daemon is connected to",
		Args:  exactArgs(0, "no arguments"),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runPeers(cmd.Context(), g) },
	}
}

func runPeers(ctx context.Context, g *globalOptions) error {
	c, err := g.daemon(ctx)
	if err != nil {
		return err
	}
	peers, err := c.Peers(ctx)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(peers)
	}
	if len(peers) == 0 {
		g.printf("no peers (cairn connect MULTIADDR, or set [network] bootstrap in config.toml)\n")
	}
	for _, p := range peers {
		g.printf("%s  %s  %s\n", p.PeerID, p.Addr, p.Latency)
	}
	return nil
}

func newConnectCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "connect MULTIADDR",
		Short: "Connect the running daemon to a peer",
		Long: `Dial a peer by a multiaddr that ends in /p2p/PEER_ID; cairn id on the other
node prints them.`,
		Example: `  cairn connect /ip4/127.0.0.1/tcp/4501/p2p/12D3KooW...
  cairn connect "$(cairn --repo /tmp/b id --json | jq -r '.addrs[0]')"`,
		Args: exactArgs(1, "a multiaddr ending in /p2p/PEER_ID"),
		RunE: func(cmd *cobra.Command, args []string) error { return runConnect(cmd.Context(), g, args[0]) },
	}
}

func runConnect(ctx context.Context, g *globalOptions, addr string) error {
	c, err := g.daemon(ctx)
	if err != nil {
		return err
	}
	p, err := c.Connect(ctx, addr)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(p)
	}
	g.printf("connected to %s via %s\n", p.PeerID, p.Addr)
	return nil
}

// daemon returns a client of the daemon running on the repo.
func (g *globalOptions) daemon(ctx context.Context) (*node.DaemonClient, error) {
	dir, err := g.repoDir()
	if err != nil {
		return nil, err
	}
	return node.DialDaemon(ctx, dir)
}

package main

import (
	"context"
	"errors"
	"strings"

	"github.com/cairnpkg/cairn/node"
	"github.com/spf13/cobra"
)

func newIDCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "id",
		Short: "Show the node's peer ID and addresses",
		Long: `Show the node's peer ID and, when a daemon runs, the full multiaddrs it
listens on (with /p2p/ID, ready for cairn connect on another node), its
API address and its HTTP gateway's address ("gateway", absent when disabled).
With no daemon, show the configured addresses and "running": false.`,
		Example: `  cairn id
  cairn id --json | jq -r '.addrs[0]'`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runID(cmd.Context(), g) },
	}
}

type idOutput struct {
	node.IDInfo
	Running bool `json:"running"`
}

func runID(ctx context.Context, g *globalOptions) error {
	dir, err := g.repoDir()
	if err != nil {
		return err
	}
	out := idOutput{Running: true}
	c, err := node.DialDaemon(ctx, dir)
	switch {
	case err == nil:
		out.IDInfo, err = c.ID(ctx)
	case errors.Is(err, node.ErrNoDaemon):
		out.Running = false
		out.IDInfo, err = node.OfflineID(dir)
	}
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(out)
	}
	state := "running"
	if !out.Running {
		state = "not running (cairn daemon starts it)"
	}
	gw := out.Gateway
	if gw == "" {
		gw = "off"
	}
	g.printf("peer ID  %s\nagent    %s\ndaemon   %s\napi      %s\ngateway  %s\naddrs    %s\n", out.PeerID, out.Agent, state, out.API, gw, strings.Join(out.Addrs, "\n         "))
	return nil
}

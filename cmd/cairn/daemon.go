package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/node"
)

type daemonOptions struct {
	listen    []string
	api       string
	bootstrap []string
	mdns      bool
	gateway   string
	upload    string
	logLevel  string
}

func newDaemonCmd(g *globalOptions) *cobra.Command {
	o := &daemonOptions{}
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run a node: libp2p, DHT, bitswap, log gossip, mirrors, the local HTTP API and the HTTP gateway",
		Long: `Run a Cairn node until SIGINT or SIGTERM (a second signal stops it at once).
With no repo yet, it creates one first (as cairn init does).

The node listens for peers on the [network] listen addresses of config.toml
(TCP and QUIC; port 0 lets the OS choose), serves the repo's blocks over
bitswap, announces its package roots in the DHT, and answers the local HTTP
API (loopback only; a bearer token from api.token for anything that writes)
and, on the same address, a read-only web view of the repo at /ui/.
It also serves a read-only HTTP gateway (IPFS Trustless Gateway: GET
/ipfs/CID?format=raw or ?format=car) over the blocks the repo holds, on
[network] gateway (default 127.0.0.1:4503; empty disables it). Once ready it
writes daemon.json in the repo with its pid, peer ID, full addresses, API
address and gateway address, for tools to read; cairn id shows them.

It keeps publisher logs in step with its peers: it announces the new heads of
its keys' logs on gossipsub (/cairn/announce/2.0.0), compares log heads with
each peer on connect and every [network] heads_interval (/cairn/heads/1.0.0),
fetches the entries it misses of the keys the trust policy names, and runs the
mirror rules (cairn mirror add) on them.

With [network] upload_limit or --upload-limit (like 40MB/s), what it serves to
others (bitswap, the whole-DAG stream, the gateway) shares that many bytes per
second; downloads and the DHT and gossip traffic are not limited.

Flags override config.toml for this run, so several daemons can run side by
side on one machine, each with its own repo.`,
		Example: `  cairn daemon
  cairn --repo /tmp/a daemon --listen /ip4/127.0.0.1/tcp/0 --api 127.0.0.1:0 --gateway 127.0.0.1:0
  cairn daemon --gateway 0.0.0.0:8080
  cairn daemon --upload-limit 40MB/s
  cairn daemon --bootstrap /ip4/10.0.0.5/tcp/4501/p2p/12D3KooW... --log-level debug`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var mdns *bool
			if cmd.Flags().Changed("mdns") {
				mdns = &o.mdns
			}
			var gateway *string
			if cmd.Flags().Changed("gateway") {
				gateway = &o.gateway
			}
			var uploadLimit *string
			if cmd.Flags().Changed("upload-limit") {
				uploadLimit = &o.upload
			}
			return runDaemon(cmd.Context(), g, o, mdns, gateway, uploadLimit)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.listen, "listen", nil, "multiaddr to listen on, e.g. /ip4/0.0.0.0/udp/4501/quic-v1 (repeatable; default from config)")
	f.StringVar(&o.api, "api", "", "address of the local HTTP API, a loopback IP and port (default from config, 127.0.0.1:4502)")
	f.StringArrayVar(&o.bootstrap, "bootstrap", nil, "peer to join the network through, a multiaddr ending in /p2p/ID (repeatable)")
	f.BoolVar(&o.mdns, "mdns", false, "find Cairn nodes on the local network (default from config)")
	f.StringVar(&o.gateway, "gateway", "", `address of the read-only HTTP gateway, host:port; "" disables it (default from config, 127.0.0.1:4503)`)
	f.StringVar(&o.upload, "upload-limit", "", `cap on the bytes per second served to others (bitswap, stream, gateway together), like 40MB/s or 500KiB/s; "" for none (default from config)`)
	f.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}

func runDaemon(ctx context.Context, g *globalOptions, o *daemonOptions, mdns *bool, gateway, uploadLimit *string) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return usageErrorf("--log-level %q: expected debug, info, warn or error", o.logLevel)
	}
	opts := node.DaemonOptions{Listen: o.listen, API: o.api, Bootstrap: o.bootstrap, MDNS: mdns, Gateway: gateway, UploadLimit: uploadLimit}
	if err := opts.Validate(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: level}))
	dir, err := g.repoDir()
	if err != nil {
		return err
	}
	r, err := node.Open(ctx, dir, node.WithLogger(log))
	if errors.Is(err, node.ErrNoRepo) {
		res, ierr := node.Init(ctx, dir)
		if ierr != nil {
			return ierr
		}
		log.Info("initialized repo", "repo", res.Dir, "key", res.DID, "peer", res.PeerID)
		r, err = node.Open(ctx, dir, node.WithLogger(log))
	}
	if err != nil {
		return err
	}
	defer r.Close()
	var running atomic.Pointer[node.Daemon] // set once StartDaemon returns
	opts.Commands = func(ctx context.Context, args []string) node.CommandResult {
		return runForCLI(ctx, r, running.Load(), args)
	}
	d, err := node.StartDaemon(ctx, r, opts)
	if err != nil {
		return err
	}
	running.Store(d)
	info := d.Info()
	if g.json {
		if err := g.printJSON(info); err != nil {
			d.Close()
			return err
		}
	} else {
		gw := info.Gateway
		if gw == "" {
			gw = "off"
		}
		fmt.Fprintf(g.stderr, "cairn daemon ready\npeer ID  %s\napi      %s\nui       http://%s/ui/\ngateway  %s\naddrs    %s\n",
			info.PeerID, info.API, info.API, gw, strings.Join(info.Addrs, "\n         "))
	}
	<-ctx.Done() // SIGINT or SIGTERM; a second one exits at once (main.go)
	log.Info("stopping")
	if err := d.Close(); err != nil {
		return fmt.Errorf("stop daemon: %w", err)
	}
	return r.Close()
}

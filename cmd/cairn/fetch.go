package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/internal/units"
	"github.com/cairnpkg/cairn/node"
)

type fetchOptions struct {
	timeout     time.Duration
	transport   string
	allowYanked bool
}

func newFetchCmd(g *globalOptions) *cobra.Command {
	o := &fetchOptions{}
	cmd := &cobra.Command{
		Use:   "fetch CID|NAME@VERSION",
		Short: "Fetch a package from the network, verify it, and keep it",
		Long: `Ask the running daemon to fetch a package and everything that makes it usable:
its content (every block checked against its CID), the metadata sets and
signatures its peers know of, and the packages it was made from. The package is
verified against the repo's trust policy and kept (pinned and indexed) only if
it is trusted; otherwise nothing is kept, and the verdicts say why (exit 3).

Providers are the connected peers and those the DHT knows. When no one has the
package, fetch fails at --timeout with what it tried. A NAME@VERSION is looked
up in the repo, then asked of connected peers; each candidate is verified.`,
		Example: `  cairn fetch bafyrei...
  cairn fetch acme/hello@1.2.0 --timeout 30s
  cairn fetch acme/hello@1.2.0 --json | jq .result.report.status`,
		Args: exactArgs(1, "a package (CID or NAME@VERSION)"),
		RunE: func(cmd *cobra.Command, args []string) error { return runFetch(cmd.Context(), g, o, args[0]) },
	}
	cmd.Flags().DurationVar(&o.timeout, "timeout", node.DefaultFetchTimeout, "give up after this long")
	cmd.Flags().BoolVar(&o.allowYanked, "allow-yanked", false, "fetch a NAME@VERSION its publishers withdrew (cairn yank)")
	cmd.Flags().StringVar(&o.transport, "transport", string(node.TransportAuto), "how content comes: auto (stream the DAG from a peer that can, else bitswap), stream or bitswap")
	return cmd
}

func runFetch(ctx context.Context, g *globalOptions, o *fetchOptions, target string) error {
	if o.timeout <= 0 {
		return usageErrorf("--timeout %s: expected a positive duration", o.timeout)
	}
	tr, err := node.ParseTransport(o.transport)
	if err != nil {
		return usageErrorf("--transport: %v", err)
	}
	c, err := g.daemon(ctx)
	if err != nil {
		return err
	}
	var stop func()
	if !g.json && term.IsTerminal(int(os.Stderr.Fd())) {
		stop = showFetchProgress(ctx, c, os.Stderr)
	}
	opts := []node.FetchOption{node.WithTransport(tr)}
	if o.allowYanked {
		opts = append(opts, node.WithAllowYanked())
	}
	ans, err := c.Fetch(ctx, target, o.timeout, opts...)
	if stop != nil {
		stop()
	}
	if err != nil {
		return err
	}
	if ans.Result != nil {
		g.warn(ans.Result.Warnings)
	}
	if g.json {
		if err := g.printJSON(ans); err != nil {
			return err
		}
	} else if ans.Result != nil {
		r := ans.Result
		switch {
		case ans.Kept && r.Name == "":
			g.printf("fetched content %s\n  %d blocks, %s in %.1f s (pinned as content; no package, so nothing to verify but hashes)\n", r.Package, r.Blocks, units.Bytes(r.Bytes), r.Seconds)
		case ans.Kept:
			g.printf("fetched %s@%s  %s\n  %d blocks, %s in %.1f s from %d peer(s)\n", r.Name, r.Version, r.Package, r.Blocks, units.Bytes(r.Bytes), r.Seconds, len(r.Peers))
		}
		if r.Report != nil {
			printReport(g.stdout, r.Report, 0)
		}
	}
	if !ans.Kept {
		return fmt.Errorf("%w: %s", errUntrusted, safeText(ans.Error))
	}
	return nil
}

// progressLine is the progress line of the fetches p sums.
func progressLine(p node.FetchProgress) string {
	if l := p.Log; l != nil {
		return fmt.Sprintf("catching up the publisher log of %s first: entry %d of %d", l.Signer, l.Held, l.Head)
	}
	line := fmt.Sprintf("fetching  %s", units.Bytes(p.Bytes))
	if p.Total > 0 {
		line += fmt.Sprintf(" / %s %3.0f%%", units.Bytes(p.Total), 100*float64(min(p.Bytes, p.Total))/float64(p.Total))
	}
	return line + fmt.Sprintf("  %d blocks  %d peers  %s/s", p.Blocks, p.Peers, units.Bytes(int64(float64(p.Bytes)/max(p.Seconds, 1e-3))))
}

// showFetchProgress draws the daemon's fetch progress on w (a terminal) four
// times a second until stop is called: bytes of the package's content, blocks
// and peers. It asks the daemon (GET /api/v1/fetches).
func showFetchProgress(ctx context.Context, c *node.DaemonClient, w io.Writer) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		drawn := false
		for {
			select {
			case <-ctx.Done():
				if drawn {
					fmt.Fprint(w, "\r\033[K")
				}
				return
			case <-t.C:
			}
			fs, err := c.Fetches(ctx)
			if err != nil || len(fs) == 0 {
				continue
			}
			var p node.FetchProgress
			for _, f := range fs {
				if f.Log != nil {
					p.Log = f.Log
				}
				p.Blocks += f.Blocks
				p.Bytes += f.Bytes
				p.Total += f.Total
				p.Peers = f.Peers
				p.Seconds = max(p.Seconds, f.Seconds)
			}
			fmt.Fprintf(w, "\r\033[K%s", progressLine(p))
			drawn = true
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

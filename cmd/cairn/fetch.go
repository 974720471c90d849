package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cairnpkg/cairn/node"
	"github.com/spf13/cobra"
)

type fetchOptions struct {
	timeout time.Duration
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
	return cmd
}

func runFetch(ctx context.Context, g *globalOptions, o *fetchOptions, target string) error {
	if o.timeout <= 0 {
		return usageErrorf("--timeout %s: expected a positive duration", o.timeout)
	}
	c, err := g.daemon(ctx)
	if err != nil {
		return err
	}
	ans, err := c.Fetch(ctx, target, o.timeout)
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
		if ans.Kept {
			g.printf("fetched %s@%s  %s\n  %d blocks, %s in %.1f s from %d peer(s)\n", r.Name, r.Version, r.Package, r.Blocks, humanBytes(r.Bytes), r.Seconds, len(r.Peers))
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

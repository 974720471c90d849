package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/internal/units"
	"github.com/cairnpkg/cairn/node"
)

// importOptions are import's flags.
type importOptions struct {
	noPin bool
}

func newImportCmd(g *globalOptions) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import FILE.car",
		Short: "Keep a bundle (a CAR file) once everything in it checks out",
		Long: `Read a CAR file (CARv1, or CARv2 around one), as cairn export writes, and keep
it, all or nothing, with no network:

Every block is checked against its CID before it is written; a truncated or
corrupt CAR, or one over the limits (a block over 2 MiB), is refused (exit 2).
A root that is a package must come with all of its content; it is verified
with the metadata sets and signatures of the CAR against the repo's trust
policy, and kept (pinned and indexed) only if it is trusted; otherwise nothing
is kept and the verdicts say why (exit 3). Any other root is content, as ipfs
dag import takes it (a CAR from ipfs dag export or a gateway): an IPLD DAG of
dag-pb, raw, DAG-CBOR, DAG-JSON, CBOR or JSON blocks (identity CIDs
included), kept and pinned once complete: there is nothing to verify beyond
the hashes. With --no-pin the content's blocks are kept unpinned, as a cache
that cairn repo gc collects, and a DAG that lacks blocks is accepted (the
output says what it lacks); every block is still checked against its CID.`,
		Example: `  cairn import hello.car
  cairn import hello.car --json | jq '.packages[0].report.status'
  curl -s 'http://127.0.0.1:4503/ipfs/bafy...?format=car&entity-bytes=0:1023' > part.car
  cairn import --no-pin part.car`,
		Args: exactArgs(1, "a CAR file"),
		RunE: func(cmd *cobra.Command, args []string) error { return runImport(cmd.Context(), g, o, args[0]) },
	}
	cmd.Flags().BoolVar(&o.noPin, "no-pin", false, "keep content roots' blocks unpinned (a cache gc may collect), even if their DAG is incomplete")
	markPathArgs(cmd)
	return cmd
}

func runImport(ctx context.Context, g *globalOptions, o importOptions, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return usageErrorf("%w", err)
	}
	defer f.Close()
	return g.withRepo(ctx, func(r *node.Repo) error {
		res, err := r.Import(ctx, f, node.ImportOptions{NoPin: o.noPin})
		if res == nil {
			return err
		}
		g.warn(res.Warnings)
		if g.json {
			if jerr := g.printJSON(res); jerr != nil {
				return jerr
			}
		} else {
			if res.Kept {
				g.printf("imported %s: %d blocks, %s\n", path, res.Blocks, units.Bytes(res.Bytes))
			}
			if res.Kept {
				for _, p := range res.Packages {
					g.printf("  package %s@%s  %s\n", safeText(p.Name), safeText(p.Version), p.Package)
				}
				for _, c := range res.Content {
					if res.Unpinned {
						g.printf("  content %s (not pinned)\n", c)
					} else {
						g.printf("  content %s\n", c)
					}
				}
				for _, inc := range res.Incomplete {
					g.printf("  incomplete %s: lacks %d block(s), the first %s\n", inc.Root, inc.Missing, inc.First)
				}
			}
			for _, p := range res.Packages {
				printReport(g.stdout, p.Report, 0)
			}
		}
		if err != nil {
			return fmt.Errorf("import %s: %w", path, err)
		}
		return nil
	})
}

package main

import (
	"context"
	"fmt"
	"os"

	"github.com/cairnpkg/cairn/node"
	"github.com/spf13/cobra"
)

func newImportCmd(g *globalOptions) *cobra.Command {
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
is kept and the verdicts say why (exit 3). A root that is UnixFS content (a
CAR from ipfs dag export) is kept as content once complete: there is nothing
to verify beyond the hashes.`,
		Example: `  cairn import hello.car
  cairn import hello.car --json | jq '.packages[0].report.status'`,
		Args: exactArgs(1, "a CAR file"),
		RunE: func(cmd *cobra.Command, args []string) error { return runImport(cmd.Context(), g, args[0]) },
	}
	markPathArgs(cmd)
	return cmd
}

func runImport(ctx context.Context, g *globalOptions, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return usageErrorf("%w", err)
	}
	defer f.Close()
	return g.withRepo(ctx, func(r *node.Repo) error {
		res, err := r.Import(ctx, f, node.ImportOptions{})
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
				g.printf("imported %s: %d blocks, %s\n", path, res.Blocks, humanBytes(res.Bytes))
			}
			if res.Kept {
				for _, p := range res.Packages {
					g.printf("  package %s@%s  %s\n", safeText(p.Name), safeText(p.Version), p.Package)
				}
				for _, c := range res.Content {
					g.printf("  content %s\n", c)
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

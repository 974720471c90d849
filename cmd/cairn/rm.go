package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/node"
)

func newRmCmd(g *globalOptions) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "rm NAME@VERSION|CID",
		Short: "Unpin a package: its content, metadata sets and signatures",
		Long: `Unpin a package: the package node, its metadata sets and their signatures,
and its layers' content (unless another pinned package has the same
content), with its names index entry. Publisher logs, evidence and
revocations are never removed: the name still resolves from them, and the
package can be fetched again. The blocks stay on disk until 'cairn repo gc'.

rm refuses while the package is an input of another pinned package, or a
mirror rule matches its name (it would be fetched again), saying which;
--force removes it anyway.`,
		Example: `  cairn rm acme/app@1.0.0
  cairn rm acme/app@1.0.0 && cairn repo gc`,
		Args: exactArgs(1, "NAME@VERSION or a package CID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRm(cmd.Context(), g, args[0], force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "remove it even if another pinned package names it as an input or a mirror rule matches it")
	return cmd
}

func runRm(ctx context.Context, g *globalOptions, target string, force bool) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		res, err := r.Remove(ctx, target, force)
		if err != nil {
			return err
		}
		if g.json {
			return g.printJSON(res)
		}
		g.printf("removed %s@%s (%s): %d pin(s)\n", safeText(res.Name), safeText(res.Version), res.Package, len(res.Unpinned))
		for _, k := range res.Kept {
			g.printf("  kept content %s: another pinned package has it\n", k)
		}
		for _, f := range res.Forced {
			g.printf("  forced: it %s\n", safeText(f))
		}
		g.printf("run 'cairn repo gc' to reclaim the space\n")
		return nil
	})
}

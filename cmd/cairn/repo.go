package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/internal/units"
	"github.com/cairnpkg/cairn/node"
)

func newRepoCmd(g *globalOptions) *cobra.Command {
	cmd := groupCmd("repo", "Inspect the repo itself", "")
	cmd.AddCommand(&cobra.Command{
		Use:   "stat",
		Short: "Count blocks, pins and index entries, and show disk usage",
		Args:  exactArgs(0, "no arguments"),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runRepoStat(cmd.Context(), g) },
	})
	cmd.AddCommand(newRepoGCCmd(g), newRepoVerifyCmd(g))
	return cmd
}

func runRepoStat(ctx context.Context, g *globalOptions) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		st, err := r.Stat(ctx)
		if err != nil {
			return err
		}
		if g.json {
			return g.printJSON(st)
		}
		g.printf("repo        %s (format %d)\nblocks      %d (%s)\npins        %d\nversions    %d\nreferrers   %d\ndisk usage  %s\n",
			st.Dir, st.Format, st.Blocks, units.Bytes(int64(st.Bytes)), st.Pins, st.Versions, st.Refs, units.Bytes(int64(st.DiskBytes)))
		g.printf("pinned      %s\nunpinned    %s\nreclaimable %s (cairn repo gc)\n",
			units.Bytes(int64(st.PinnedBytes)), units.Bytes(int64(st.UnpinnedBytes)), units.Bytes(int64(st.ReclaimableBytes)))
		if st.Journal > 0 {
			g.printf("in flight   %d journalled blocks (a publish in progress)\n", st.Journal)
		}
		return nil
	})
}

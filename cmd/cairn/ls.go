package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/units"
	"github.com/cairnpkg/cairn/node"
)

func newLsCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "ls [NAMESPACE/NAME]",
		Short: "List the packages in the repo",
		Example: `  cairn ls
  cairn ls acme/hello --json`,
		Args: rangeArgs(0, 1, "at most one NAMESPACE/NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return runLs(cmd.Context(), g, name)
		},
	}
}

func runLs(ctx context.Context, g *globalOptions, name string) error {
	if name != "" {
		if _, err := dag.ParseName(name); err != nil {
			return err
		}
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		list, err := r.List(ctx, name)
		if err != nil {
			return err
		}
		if g.json {
			return g.printJSON(list)
		}
		if len(list) == 0 {
			g.printf("no packages (cairn publish adds one)\n")
			return nil
		}
		for _, e := range list {
			g.printf("%-40s %s  %d layer(s)  %s\n", fmt.Sprintf("%s@%s", e.Name, e.Version), e.Package, e.Layers, units.Bytes(int64(e.Size)))
		}
		return nil
	})
}

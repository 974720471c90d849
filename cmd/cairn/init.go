package main

import (
	"context"

	"github.com/cairnpkg/cairn/node"
	"github.com/spf13/cobra"
)

func newInitCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Create a repo with a default signing key",
		Long: `Create a repo: config.toml, an empty trust policy, a badger store and a new
Ed25519 signing key named "default" (keys/default.key, mode 0600).

The first publish in a namespace that no policy rule covers adds a rule that
trusts your key for NAMESPACE/* (config: auto_trust); change the policy with
cairn trust at any time.`,
		Example: `  cairn init
  cairn --repo /srv/cairn init --json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runInit(cmd.Context(), g) },
	}
}

func runInit(ctx context.Context, g *globalOptions) error {
	dir, err := g.repoDir()
	if err != nil {
		return err
	}
	res, err := node.Init(ctx, dir)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(res)
	}
	g.printf("initialized repo %s\nsigning key %q: %s\n", res.Dir, res.Key, res.DID)
	return nil
}

package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/node"
)

func newKeyRotateCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "rotate OLD NEW",
		Short: "Hand a key's trust to a new key, through the old key's log",
		Long: `Append to the publisher log of the key OLD a rotation to the key NEW, signed
by both (both must be in the key store; make NEW with cairn key gen). From
that entry on, every policy that trusts OLD trusts NEW for the same patterns
and roles, on every node that holds OLD's log: no one edits a policy. OLD
signs nothing more: a publish, yank or second rotation with it is refused.
What OLD signed before the rotation stays trusted.

A rotation to a key the repo holds a revocation of is refused. A rotation
cannot be taken back; if NEW is lost or stolen, revoke it (cairn key revoke).
The repo's default_key (config.toml) is not changed.`,
		Example: `  cairn key gen release-2
  cairn key rotate release-1 release-2`,
		Args: exactArgs(2, "the old and the new key's names"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runKeyRotate(cmd.Context(), g, args[0], args[1])
		},
	}
}

func runKeyRotate(ctx context.Context, g *globalOptions, oldName, nextName string) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		res, err := r.RotateKey(ctx, oldName, nextName)
		if err != nil {
			return err
		}
		g.warn(res.Warnings)
		if oldName == r.Config().DefaultKey {
			g.warn([]string{`default_key is still "` + oldName + `", which signs nothing more; set default_key = "` + nextName + `" in config.toml`})
		}
		if g.json {
			return g.printJSON(res)
		}
		g.printf("rotated key %q to %q\n  log  %s\n  new key  %s\n", oldName, nextName, logLine(res.Log), res.Key)
		g.printf("  policies that trust %s now trust %s for the same patterns and roles\n", res.Signer, res.Key)
		return nil
	})
}

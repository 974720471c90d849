package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node"
)

type yankOptions struct {
	reason string
	key    string
}

func newYankCmd(g *globalOptions) *cobra.Command {
	o := &yankOptions{}
	cmd := &cobra.Command{
		Use:   "yank NAME@VERSION --reason TEXT",
		Short: "Withdraw a version you published: nobody installs it by name",
		Long: `Append to the signing key's publisher log that NAME@VERSION is withdrawn,
with the reason (like cargo yank). The entry travels as releases do (gossip,
head exchange, bundles, mirrors). Once keys that meet the rule for NAME have
yanked it, every node that holds their logs refuses the version by name:
fetch, get and export exit 3 with the reason, unless --allow-yanked. It stays
stored and fetchable by CID, and versions, verify and the API show it as
yanked. Fewer keys than the threshold make a pending yank, shown but not
enforced. cairn unyank takes a yank back.`,
		Example: `  cairn yank acme/app@1.0.1 --reason "CVE-2026-1234: use 1.0.2"
  cairn yank acme/app@1.0.1 --reason "broken build" --key release-2`,
		Args: exactArgs(1, "NAME@VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "reason"); err != nil {
				return err
			}
			return runYank(cmd.Context(), g, o, args[0], true)
		},
	}
	cmd.Flags().StringVar(&o.reason, "reason", "", "why, for the people who would install it (required)")
	cmd.Flags().StringVar(&o.key, "key", "", "signing key (key store name or PEM file; default: the repo's default key)")
	return cmd
}

func newUnyankCmd(g *globalOptions) *cobra.Command {
	o := &yankOptions{}
	cmd := &cobra.Command{
		Use:   "unyank NAME@VERSION",
		Short: "Take back your yank of a version",
		Long: `Append to the signing key's publisher log that it takes back its yank of
NAME@VERSION. The version is yanked again only if enough keys still yank it.`,
		Example: `  cairn unyank acme/app@1.0.1 --reason "the report was wrong"`,
		Args:    exactArgs(1, "NAME@VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runYank(cmd.Context(), g, o, args[0], false)
		},
	}
	cmd.Flags().StringVar(&o.reason, "reason", "", "why (optional)")
	cmd.Flags().StringVar(&o.key, "key", "", "signing key (key store name or PEM file; default: the repo's default key)")
	return cmd
}

func runYank(ctx context.Context, g *globalOptions, o *yankOptions, arg string, yank bool) error {
	ref, err := dag.ParseRef(arg)
	if err != nil {
		return err
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		do := r.Unyank
		if yank {
			do = r.Yank
		}
		res, err := do(ctx, ref, o.reason, o.key)
		if err != nil {
			return err
		}
		g.warn(res.Warnings)
		if g.json {
			return g.printJSON(res)
		}
		g.printf("%s %s\n  log  %s\n", map[bool]string{true: "yanked", false: "unyanked"}[yank], ref, logLine(res.Log))
		if y, err := r.YankState(ctx, ref); err == nil {
			switch {
			case y.Yanked():
				g.printf("  %s is yanked: by-name fetch, get and export refuse it\n", ref)
			case y != nil:
				g.printf("  yank pending: %d of the %d keys its rule needs\n", y.Holders, y.Threshold)
			default:
				g.printf("  %s is not yanked\n", ref)
			}
		}
		return nil
	})
}

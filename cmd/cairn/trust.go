package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/node"
	"github.com/cairnpkg/cairn/sign"
)

type trustAddOptions struct {
	threshold  int
	roles      []string
	requireLog bool
	maxAge     string
}

func newTrustCmd(g *globalOptions) *cobra.Command {
	cmd := groupCmd("trust", "Edit the trust policy: which keys may sign for which packages", `The trust policy (policy.toml in the repo) has one rule per namespace pattern:
"*" (every package), "acme/*" (a namespace) or "acme/hello" (one package). The
most specific rule that selects a package applies. A rule lists keys (did:key),
a threshold k (that many distinct listed keys must sign a metadata set) and,
optionally, the roles that count. By default a signature counts only if its
signer's publisher log names it (require_log): then a key cannot sign a
release it does not log, where a second package for one version is a proof
everyone sees. A rule may have a max_age (trust add --max-age 48h): when none
of its keys has said anything signed for that long, names under it no longer
resolve (exit 7, stale) until one does.`)
	o := &trustAddOptions{}
	add := &cobra.Command{
		Use:   "add PATTERN DID",
		Short: "Trust a key for a pattern (creating the rule if needed)",
		Example: `  cairn trust add 'acme/*' did:key:z6Mk...
  cairn trust add 'acme/*' "$(cairn key export release-2)" --threshold 2
  cairn trust add acme/hello did:key:z6Mk... --role publisher --role builder
  cairn trust add 'legacy/*' did:key:z6Mk... --require-log=false
  cairn trust add 'acme/*' did:key:z6Mk... --max-age 48h`,
		Args: exactArgs(2, "a pattern and a did:key"),
		RunE: func(cmd *cobra.Command, args []string) error {
			set := trustAddSet{requireLog: cmd.Flags().Changed("require-log"), maxAge: cmd.Flags().Changed("max-age")}
			return runTrustAdd(cmd.Context(), g, o, set, args[0], args[1])
		},
	}
	add.Flags().IntVar(&o.threshold, "threshold", 0, "signatures needed from distinct keys of the rule (default: keep, or 1 for a new rule)")
	add.Flags().StringArrayVar(&o.roles, "role", nil, "role that counts toward the threshold (repeatable; default: any role)")
	add.Flags().BoolVar(&o.requireLog, "require-log", true, "count a signature only if its signer's publisher log names it; false for keys that publish without logs (default: keep, or true for a new rule)")
	add.Flags().StringVar(&o.maxAge, "max-age", "", "stop resolving names under the rule when none of its keys has said anything signed for this long, like 48h; 0 removes it (default: keep, or none for a new rule)")
	cmd.AddCommand(
		add,
		&cobra.Command{
			Use:   "ls",
			Short: "Show the trust policy",
			Args:  exactArgs(0, "no arguments"),
			RunE:  func(cmd *cobra.Command, _ []string) error { return runTrustLs(cmd.Context(), g) },
		},
		&cobra.Command{
			Use:   "rm PATTERN [DID]",
			Short: "Stop trusting a key for a pattern, or remove the pattern's rule",
			Args:  rangeArgs(1, 2, "a pattern and, optionally, a did:key"),
			RunE: func(cmd *cobra.Command, args []string) error {
				did := ""
				if len(args) == 2 {
					did = args[1]
				}
				return runTrustRm(cmd.Context(), g, args[0], did)
			},
		},
	)
	return cmd
}

// trustAddSet says which of the rule's settings trust add was given: the
// others keep their value.
type trustAddSet struct {
	requireLog, maxAge bool
}

func runTrustAdd(ctx context.Context, g *globalOptions, o *trustAddOptions, set trustAddSet, pattern, did string) error {
	p, err := sign.ParsePattern(pattern)
	if err != nil {
		return err
	}
	if _, err := sign.ParseDID(did); err != nil {
		return err
	}
	if o.threshold < 0 {
		return usageErrorf("--threshold %d: expected a positive number", o.threshold)
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		err := r.UpdatePolicy(func(pol *sign.Policy) error {
			if err := pol.AddKey(p, did, o.threshold, o.roles); err != nil {
				return err
			}
			if set.requireLog {
				if err := pol.SetRequireLog(p, o.requireLog); err != nil {
					return err
				}
			}
			if set.maxAge {
				return pol.SetMaxAge(p, o.maxAge)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return printPolicy(g, r)
	})
}

func runTrustRm(ctx context.Context, g *globalOptions, pattern, did string) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		if err := r.UpdatePolicy(func(pol *sign.Policy) error { return pol.RemoveKey(sign.Pattern(pattern), did) }); err != nil {
			return err
		}
		return printPolicy(g, r)
	})
}

func runTrustLs(ctx context.Context, g *globalOptions) error {
	return g.withRepo(ctx, func(r *node.Repo) error { return printPolicy(g, r) })
}

func printPolicy(g *globalOptions, r *node.Repo) error {
	rules, err := r.TrustView(context.Background())
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(struct {
			Version int              `json:"version"`
			Rules   []node.TrustRule `json:"rules"`
		}{1, rules})
	}
	if len(rules) == 0 {
		g.printf("no rules: nothing is trusted (cairn trust add PATTERN DID)\n")
	}
	for _, rule := range rules {
		roles := "any role"
		if len(rule.Roles) > 0 {
			roles = "roles " + strings.Join(rule.Roles, ", ")
		}
		logs := ""
		if !rule.LogRequired() {
			logs = ", no publisher log required"
		}
		if rule.MaxAge != "" {
			logs += ", max_age " + rule.MaxAge
		}
		g.printf("%s  %d of %d, %s%s\n", rule.Pattern, rule.Threshold, len(rule.Rule.Keys), roles, logs)
		for _, k := range rule.Keys {
			note := ""
			if k.Via != nil {
				note += fmt.Sprintf("  via rotation from %s (entry %s)", k.Via.From, k.Via.Entry)
			}
			if k.RevokedFrom != 0 {
				note += fmt.Sprintf("  revoked from entry %d of its log on", k.RevokedFrom)
			}
			g.printf("  %s%s\n", k.DID, note)
		}
	}
	return nil
}

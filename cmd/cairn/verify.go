package main

import (
	"context"
	"fmt"

	"github.com/cairnpkg/cairn/node"
	"github.com/cairnpkg/cairn/sign"
	"github.com/spf13/cobra"
)

type verifyOptions struct {
	policy string
}

func newVerifyCmd(g *globalOptions) *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify CID|NAME@VERSION",
		Short: "Check a package against the trust policy; exit 0 only when trusted",
		Long: `Verify every metadata set that names the package and every signature on each,
against the trust policy (the repo's, or --policy FILE), then the packages its
trusted metadata sets name as inputs, recursively (its provenance chain).

A package is trusted when one of its metadata sets carries signatures from at
least the threshold of distinct keys the policy trusts for its name, and every
package in its provenance chain is trusted too. Each verdict is valid, invalid
(bytes are wrong: corrupt, tampered, replayed, attached to the wrong subject)
or untrusted (the bytes are fine, the policy does not accept them), with a
reason code (docs/trust.md).

Exit status: 0 trusted, 3 not trusted, other non-zero on errors.`,
		Example: `  cairn verify acme/hello@1.2.0
  cairn verify bafyrei... --policy ./prod-policy.toml --json`,
		Args: exactArgs(1, "a package (CID or NAME@VERSION)"),
		RunE: func(cmd *cobra.Command, args []string) error { return runVerify(cmd.Context(), g, o, args[0]) },
	}
	cmd.Flags().StringVar(&o.policy, "policy", "", "trust policy file to use instead of the repo's")
	markPaths(cmd, "policy")
	return cmd
}

func runVerify(ctx context.Context, g *globalOptions, o *verifyOptions, arg string) error {
	var pol *sign.Policy
	if o.policy != "" {
		var err error
		if pol, err = sign.LoadPolicy(o.policy); err != nil {
			return err
		}
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		c, err := r.Resolve(ctx, arg)
		if err != nil {
			return err
		}
		rep, err := r.Verify(ctx, c, pol)
		if err != nil {
			return err
		}
		if g.json {
			if err := g.printJSON(rep); err != nil {
				return err
			}
		} else {
			printReport(g.stdout, rep, 0)
		}
		if !rep.Trusted() {
			return fmt.Errorf("%w: %s: %s", errUntrusted, arg, rep.Reason)
		}
		return nil
	})
}

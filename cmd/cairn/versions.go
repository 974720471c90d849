package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node"
)

func newVersionsCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "versions NAMESPACE/NAME",
		Short: "List a package's versions and how each resolves",
		Long: `List every version of NAME that a publisher log held here claims or the
repo's names index holds, oldest first, with how NAME@VERSION resolves under
the repo's policy (docs/logs.md):

  trusted       the logs of enough keys of NAME's rule to meet its threshold
                name one package
  equivocation  two packages each meet it: the version does not resolve
                until the policy is changed
  untrusted     fewer keys than the threshold, or only keys the policy does
                not trust, claim it
  local         no trusted log claims it; the repo's own index does
  stale         the rule's max_age passed without word from its keys: no
                version under it resolves until they are heard again

A version its publishers withdrew (cairn yank) says "yanked" (or "yank
pending" while fewer keys than the threshold withdrew it), with the reason;
evidence against single keys is listed too. The listing exits 0 whatever the
statuses; verify exits 3 on a version in equivocation, 7 on a stale one.`,
		Example: `  cairn versions acme/hello
  cairn versions acme/hello --json | jq -r '.[] | select(.status == "trusted") | .version'`,
		Args: exactArgs(1, "a package name (NAMESPACE/NAME)"),
		RunE: func(cmd *cobra.Command, args []string) error { return runVersions(cmd.Context(), g, args[0]) },
	}
}

func runVersions(ctx context.Context, g *globalOptions, arg string) error {
	name, err := dag.ParseName(arg)
	if err != nil {
		return err
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		list, err := r.Versions(ctx, name)
		if err != nil {
			return err
		}
		if g.json {
			return g.printJSON(list)
		}
		if len(list) == 0 {
			g.printf("no versions of %s in the repo (cairn fetch %s@VERSION, or cairn publish)\n", name, name)
			return nil
		}
		for _, v := range list {
			pkg, pinned := "-", "no"
			if v.Package != nil {
				pkg = v.Package.String()
			}
			if v.Pinned {
				pinned = "yes"
			}
			signers := make([]string, len(v.Signers))
			for i, s := range v.Signers {
				signers[i] = shortDID(s)
			}
			by := "-"
			if len(signers) > 0 {
				by = strings.Join(signers, ",")
			}
			g.printf("%-16s %-12s %s  pinned=%s  signers=%s\n", safeText(v.Version), v.Status, pkg, pinned, safeText(by))
			if v.Reason != "" {
				g.printf("  why: %s\n", safeText(v.Reason))
			}
			if v.Yank != nil {
				g.printf("  %s\n", yankLine(v.Yank))
			}
			printEquivocations(g.stdout, v.Equivocations, "  ")
			if len(v.Evidence) > 0 {
				g.printf("  evidence against single keys (does not dispute the version):\n")
				printEquivocations(g.stdout, v.Evidence, "    ")
			}
		}
		return nil
	})
}

// shortDID shortens a did:key for a listing: did:key:z6Mk…, the first 8 and
// last 6 characters of its identifier (--json gives it whole).
func shortDID(did string) string {
	id, ok := strings.CutPrefix(did, "did:key:")
	r := []rune(id)
	if !ok || len(r) <= 16 {
		return did
	}
	return "did:key:" + string(r[:8]) + "…" + string(r[len(r)-6:])
}

package main

import (
	"context"

	"github.com/cairnpkg/cairn/node"
	"github.com/spf13/cobra"
)

func newKeyCmd(g *globalOptions) *cobra.Command {
	cmd := groupCmd("key", "Manage signing keys", `Signing keys are Ed25519, stored in the repo's keys/ directory as PEM
PKCS #8 files (mode 0600), the format of 'openssl genpkey -algorithm ed25519'.
A key is named publicly by its did:key. Private keys are never printed.`)
	cmd.AddCommand(
		&cobra.Command{
			Use:     "gen NAME",
			Short:   "Generate a new signing key",
			Example: "  cairn key gen ci-release",
			Args:    exactArgs(1, "a key name"),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runKeyGen(cmd.Context(), g, args[0])
			},
		},
		&cobra.Command{
			Use:   "list",
			Short: "List signing keys and their did:key",
			Args:  exactArgs(0, "no arguments"),
			RunE:  func(cmd *cobra.Command, _ []string) error { return runKeyList(cmd.Context(), g) },
		},
		&cobra.Command{
			Use:   "export NAME",
			Short: "Print a key's public did:key, ready for cairn trust add",
			Example: `  cairn key export default
  cairn trust add 'acme/*' "$(cairn key export ci-release)"`,
			Args: exactArgs(1, "a key name"),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runKeyExport(cmd.Context(), g, args[0])
			},
		},
	)
	return cmd
}

type keyInfo struct {
	Name  string `json:"name"`
	DID   string `json:"did,omitempty"`
	Path  string `json:"path,omitempty"`
	Error string `json:"error,omitempty"`
}

func runKeyGen(ctx context.Context, g *globalOptions, name string) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		k, err := r.Keys().Generate(name)
		if err != nil {
			return err
		}
		info := keyInfo{Name: name, DID: k.DID(), Path: r.Keys().Path(name)}
		if g.json {
			return g.printJSON(info)
		}
		g.printf("generated key %q: %s\n", name, info.DID)
		return nil
	})
}

func runKeyList(ctx context.Context, g *globalOptions) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		names, err := r.Keys().List()
		if err != nil {
			return err
		}
		out := []keyInfo{}
		for _, n := range names {
			info := keyInfo{Name: n}
			if k, err := r.Keys().Get(n); err != nil {
				info.Error = err.Error() // one unreadable key does not hide the others
			} else {
				info.DID = k.DID()
			}
			out = append(out, info)
		}
		if g.json {
			return g.printJSON(out)
		}
		for _, k := range out {
			mark := " "
			if k.Name == r.Config().DefaultKey {
				mark = "*"
			}
			if k.Error != "" {
				g.printf("%s %-16s (unusable: %s)\n", mark, k.Name, k.Error)
				continue
			}
			g.printf("%s %-16s %s\n", mark, k.Name, k.DID)
		}
		return nil
	})
}

func runKeyExport(ctx context.Context, g *globalOptions, name string) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		k, err := r.Keys().Resolve(name)
		if err != nil {
			return err
		}
		if g.json {
			return g.printJSON(keyInfo{Name: name, DID: k.DID()})
		}
		g.printf("%s\n", k.DID())
		return nil
	})
}

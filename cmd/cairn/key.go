package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/node"
)

func newKeyCmd(g *globalOptions) *cobra.Command {
	cmd := groupCmd("key", "Manage signing keys", `Signing keys are Ed25519, stored in the repo's keys/ directory as PEM
PKCS #8 files (mode 0600), the format of 'openssl genpkey -algorithm ed25519'.
A key is named publicly by its did:key. Private keys are never printed.

A key's publisher log can retire it: key rotate hands its trust to a new key,
key revoke withdraws it (with a revocation that can be made in advance, kept
offline, and imported once the key is lost). key list shows what the logs say
of each key.`)
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
			Short: "List signing keys, their did:key and status",
			Long: `List the repo's signing keys: name (* marks the default key), did:key and
status, which is what the publisher logs the repo holds say of the key:
"active", "rotated to DID" (key rotate: it signs nothing more) or "revoked from
seq N" (key revoke: nothing its log says from entry N on counts).`,
			Args: exactArgs(0, "no arguments"),
			RunE: func(cmd *cobra.Command, _ []string) error { return runKeyList(cmd.Context(), g) },
		},
		&cobra.Command{
			Use:   "export [NAME|PATH]",
			Short: "Print a key's public did:key (default: the default key), ready for cairn trust add",
			Example: `  cairn key export
  cairn trust add 'acme/*' "$(cairn key export ci-release)"`,
			Args: rangeArgs(0, 1, "a key name or PEM path, or nothing for the default key"),
			RunE: func(cmd *cobra.Command, args []string) error {
				name := ""
				if len(args) == 1 {
					name = args[0]
				}
				return runKeyExport(cmd.Context(), g, name)
			},
		},
		newKeyRotateCmd(g),
		newKeyRevokeCmd(g),
		newKeyRmCmd(g),
	)
	return cmd
}

type keyInfo struct {
	Name  string `json:"name"`
	DID   string `json:"did,omitempty"`
	Path  string `json:"path,omitempty"`
	Error string `json:"error,omitempty"`
}

// keyListing is a key as key list shows it; the status is missing for a
// key that cannot be loaded.
type keyListing struct {
	keyInfo
	*node.KeyStatus
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
		out := []keyListing{}
		for _, n := range names {
			k := keyListing{keyInfo: keyInfo{Name: n}}
			key, err := r.Keys().Get(n)
			if err != nil {
				k.Error = err.Error() // one unreadable key does not hide the others
				out = append(out, k)
				continue
			}
			k.DID = key.DID()
			st, err := r.KeyStatus(ctx, k.DID)
			if err != nil {
				return err
			}
			k.KeyStatus = &st
			out = append(out, k)
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
			g.printf("%s %-16s %s  %s\n", mark, k.Name, k.DID, statusText(*k.KeyStatus))
		}
		return nil
	})
}

// statusText says a key's status in words: active, rotated to DID, revoked
// from seq N.
func statusText(s node.KeyStatus) string {
	switch s.Status {
	case "rotated":
		return "rotated to " + s.RotatedTo
	case "revoked":
		return fmt.Sprintf("revoked from seq %d", s.RevokedFrom)
	}
	return s.Status
}

func runKeyExport(ctx context.Context, g *globalOptions, name string) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		if name == "" {
			name = r.Config().DefaultKey
		}
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

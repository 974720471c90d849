package main

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/node"
	"github.com/cairnpkg/cairn/sign"
)

type keyRmOptions struct {
	yes          bool
	forceDefault bool
}

func newKeyRmCmd(g *globalOptions) *cobra.Command {
	o := &keyRmOptions{}
	cmd := &cobra.Command{
		Use:   "rm NAME",
		Short: "Delete a signing key from the key store",
		Long: `Delete the key NAME's file from the key store. Nothing brings it back but a
copy made elsewhere: what it signed stays trusted, but it can sign nothing
again, not even a rotation or a revocation. If it may have leaked, revoke it
first (cairn key revoke), or make a revocation in advance to keep
(cairn key revoke NAME --reason TEXT --export FILE).

Removing a key does not change the trust policy: if policies should stop
trusting it, also remove the rules naming its did:key
(cairn trust rm PATTERN DID; cairn key export NAME prints the DID first).

On a terminal, key rm asks first (y or yes removes); --yes does not ask, and
is needed where nobody can answer: without a terminal, and through a
running daemon. The repo's default key (default_key in config.toml) is
refused unless --force-default.`,
		Example: `  cairn key rm old-ci
  cairn key rm old-ci --yes --json`,
		Args: exactArgs(1, "a key name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runKeyRm(cmd.Context(), g, o, args[0])
		},
	}
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "remove without asking")
	cmd.Flags().BoolVar(&o.forceDefault, "force-default", false, "remove the key even if it is the repo's default key")
	return cmd
}

// keyRemoved is key rm's --json output.
type keyRemoved struct {
	Name    string `json:"name"`
	DID     string `json:"did"`
	Removed bool   `json:"removed"`
}

// errKeyKept: the user did not confirm the removal.
var errKeyKept = errors.New("not removed")

func runKeyRm(ctx context.Context, g *globalOptions, o *keyRmOptions, name string) error {
	// Ask with the repo closed: a prompt left open must not hold the lock.
	var did string
	err := g.withRepo(ctx, func(r *node.Repo) (err error) {
		did, err = removableKey(r, name, o.forceDefault)
		return err
	})
	if err != nil {
		return err
	}
	if !o.yes {
		if err := confirmRemoval(g, name, did); err != nil {
			return err
		}
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		// Again: the repo may have changed while the user answered.
		if _, err := removableKey(r, name, o.forceDefault); err != nil {
			return err
		}
		if err := r.Keys().Remove(name); err != nil {
			return err
		}
		if name == r.Config().DefaultKey {
			g.warn([]string{fmt.Sprintf("default_key is %q, which no longer exists; set default_key in config.toml to another key", name)})
		}
		if g.json {
			return g.printJSON(keyRemoved{Name: name, DID: did, Removed: true})
		}
		g.printf("removed key %q (%s)\n", name, orUnknown(did))
		for _, p := range trustedFor(r, did) {
			g.printf("  the policy still trusts it for %s; to stop: cairn trust rm '%s' %s\n", p, p, did)
		}
		return nil
	})
}

// removableKey returns the did:key of the stored key name ("" if its file
// cannot be loaded: a broken key can be removed too), refusing an unknown
// key and, unless forceDefault, the default key.
func removableKey(r *node.Repo, name string, forceDefault bool) (string, error) {
	did := ""
	k, err := r.Keys().Get(name)
	switch {
	case errors.Is(err, sign.ErrKeyNotFound), errors.Is(err, sign.ErrInvalidKeyName):
		return "", err
	case err == nil:
		did = k.DID()
	}
	if name == r.Config().DefaultKey && !forceDefault {
		return "", fmt.Errorf("key %q is the repo's default key (default_key in config.toml); set another default first, or pass --force-default", name)
	}
	return did, nil
}

// confirmRemoval asks the user at the terminal to confirm; where nobody can
// answer it fails, telling to pass --yes.
func confirmRemoval(g *globalOptions, name, did string) error {
	switch {
	case g.held != nil:
		return usageErrorf("key rm through the daemon cannot ask for confirmation; pass --yes to remove key %q", name)
	case g.term == nil:
		return usageErrorf("key rm needs confirmation and stdin is not a terminal; pass --yes to remove key %q", name)
	}
	ok, err := g.term.confirm(fmt.Sprintf("remove key %q (%s)? it cannot be recovered", name, orUnknown(did)))
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("key %q %w", name, errKeyKept)
	}
	return nil
}

// trustedFor returns the patterns of the policy's rules that list did.
func trustedFor(r *node.Repo, did string) []string {
	pol, err := r.Policy()
	if err != nil || did == "" {
		return nil
	}
	var out []string
	for _, rule := range pol.Rules {
		if slices.Contains(rule.Keys, did) {
			out = append(out, string(rule.Pattern))
		}
	}
	return out
}

func orUnknown(did string) string {
	if did == "" {
		return "did:key unknown: the file does not load"
	}
	return did
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/internal/atomicfile"
	"github.com/cairnpkg/cairn/node"
)

type keyRevokeOptions struct {
	reason string
	since  uint64
	export string
	force  bool
	from   string
}

func newKeyRevokeCmd(g *globalOptions) *cobra.Command {
	o := &keyRevokeOptions{}
	cmd := &cobra.Command{
		Use:   "revoke NAME --reason TEXT [--since SEQ] [--export FILE] | revoke --from FILE",
		Short: "Revoke a key, now or with a revocation made in advance",
		Long: `Revoke the key NAME: from entry SEQ of its publisher log on (default: from
the entry this appends, the next one), nothing its log says counts on any
node that holds the revocation, and the key signs nothing more. Entries
before SEQ still count. The revocation travels as log entries do (gossip,
bundles, mirrors).
To hand the key's trust to a new key rather than end it, use key rotate.

With --export FILE, nothing is stored or sent: the revocation is written to
FILE (mode 0600; an existing FILE is refused unless --force). Make it while
you hold the key, keep FILE offline, and if the key is lost or stolen, import
it with --from FILE: importing needs no key. Without --since, a revocation
made in advance covers the key's log from the entry that was next when it was
made: once imported, nothing the key logged after making it counts.`,
		Example: `  cairn key revoke release-1 --reason "laptop stolen"
  cairn key revoke release-1 --reason "leaked in CI logs" --since 12
  cairn key revoke release-1 --reason "lost" --export release-1.revocation
  cairn key revoke --from release-1.revocation`,
		Args: rangeArgs(0, 1, "a key name, or nothing with --from FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(cmd, args); err != nil {
				return err
			}
			if o.from != "" {
				return runKeyRevokeImport(cmd.Context(), g, o.from)
			}
			return runKeyRevoke(cmd.Context(), g, o, args[0])
		},
	}
	cmd.Flags().StringVar(&o.reason, "reason", "", "why, for the people who trusted the key (required, except with --from)")
	cmd.Flags().Uint64Var(&o.since, "since", 0, "first seq of the key's log that the revocation covers (default: the next one)")
	cmd.Flags().StringVar(&o.export, "export", "", "write the revocation to FILE, to import later; store nothing")
	cmd.Flags().BoolVar(&o.force, "force", false, "with --export: replace FILE if it exists")
	cmd.Flags().StringVar(&o.from, "from", "", "import the revocation in FILE, made with --export (no NAME, --reason or --since)")
	markPaths(cmd, "export", "from")
	return cmd
}

// check refuses the combinations of arguments and flags that make no
// revocation.
func (o *keyRevokeOptions) check(cmd *cobra.Command, args []string) error {
	path := cmd.CommandPath()
	set := cmd.Flags().Changed
	if set("from") {
		if len(args) > 0 {
			return usageErrorf("%s --from FILE takes no key name: FILE says which key it revokes", path)
		}
		for _, f := range []string{"reason", "since", "export", "force"} {
			if set(f) {
				return usageErrorf("%s --from FILE takes no --%s: the revocation in FILE was made with its reason and since", path, f)
			}
		}
		if o.from == "" {
			return usageErrorf("%s --from needs a FILE", path)
		}
		return nil
	}
	if len(args) != 1 {
		return usageErrorf("%s expects a key name, or --from FILE; see %s --help", path, path)
	}
	if err := requireFlags(cmd, "reason"); err != nil {
		return err
	}
	if strings.TrimSpace(o.reason) == "" {
		return usageErrorf("%s --reason is empty: say why the key is revoked", path)
	}
	if set("export") && o.export == "" {
		return usageErrorf("%s --export needs a FILE", path)
	}
	if set("force") && !set("export") {
		return usageErrorf("%s --force only replaces an --export FILE", path)
	}
	return nil
}

// revocationFile is key revoke --export's --json output.
type revocationFile struct {
	File       string  `json:"file"`
	Signer     string  `json:"signer"`
	Since      uint64  `json:"since"`
	Reason     string  `json:"reason"`
	Revocation cid.Cid `json:"revocation"`
}

func runKeyRevoke(ctx context.Context, g *globalOptions, o *keyRevokeOptions, name string) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		if o.export != "" {
			return exportRevocation(ctx, g, r, o, name)
		}
		res, err := r.RevokeKey(ctx, name, o.reason, o.since)
		if err != nil {
			return err
		}
		g.warn(res.Warnings)
		if g.json {
			return g.printJSON(res)
		}
		g.printf("revoked key %q (%s) from entry %d of its log on\n  log  %s\n  revocation  %s\n", name, res.Signer, res.Since, logLine(res.Log), res.Revocation)
		return nil
	})
}

// exportRevocation writes a revocation of the key name to o.export, whole or
// not at all, and stores nothing.
func exportRevocation(ctx context.Context, g *globalOptions, r *node.Repo, o *keyRevokeOptions, name string) error {
	rev, data, err := r.ExportRevocation(ctx, name, o.reason, o.since)
	if err != nil {
		return err
	}
	c, err := dag.Prefix.Sum(data)
	if err != nil {
		return err
	}
	write := atomicfile.Create // never replaces
	if o.force {
		write = atomicfile.WriteFile
	}
	if err := write(o.export, data, 0o600); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s (--force replaces it)", content.ErrExists, o.export)
		}
		return err
	}
	if g.json {
		return g.printJSON(revocationFile{File: o.export, Signer: rev.Signer, Since: rev.Since, Reason: rev.Reason, Revocation: c})
	}
	g.printf("wrote a revocation of key %q (%s) from entry %d of its log on to %s\n", name, rev.Signer, rev.Since, o.export)
	g.printf("  nothing was stored or sent; keep the file offline, and if the key is lost:\n  cairn key revoke --from %s (no key needed)\n", o.export)
	return nil
}

func runKeyRevokeImport(ctx context.Context, g *globalOptions, path string) error {
	data, err := readRevocationFile(path)
	if err != nil {
		return err
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		res, err := r.ImportRevocation(ctx, data)
		if err != nil {
			return err
		}
		g.warn(res.Warnings)
		if g.json {
			return g.printJSON(res)
		}
		g.printf("imported the revocation of %s from entry %d of its log on\n  revocation  %s\n", res.Signer, res.Since, res.Revocation)
		return nil
	})
}

// readRevocationFile reads a file key revoke --export wrote: a regular file
// no larger than a node. A file that cannot be read is a usage error.
func readRevocationFile(path string) ([]byte, error) {
	// Check the type before opening: opening a named pipe blocks until a
	// writer comes.
	if st, err := os.Stat(path); err != nil {
		return nil, usageError{fmt.Errorf("--from: %w", err)}
	} else if !st.Mode().IsRegular() {
		return nil, usageErrorf("--from: %s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("--from: %w", err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, dag.MaxNodeSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > dag.MaxNodeSize {
		return nil, usageErrorf("--from: %s is larger than a revocation can be", path)
	}
	return data, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/units"
	"github.com/cairnpkg/cairn/node"
)

type getOptions struct {
	output      string
	layer       string
	force       bool
	unverified  bool
	allowYanked bool
}

func newGetCmd(g *globalOptions) *cobra.Command {
	o := &getOptions{}
	cmd := &cobra.Command{
		Use:   "get CID|NAME@VERSION -o PATH",
		Short: "Write a package's content out, byte for byte",
		Long: `Write content out: a package's single layer to PATH, or, for a package with
several layers, a directory PATH with one entry per layer (--layer picks one).
A CID of UnixFS content (a file or directory) is written out as it is.
With a daemon running, a package that is not in the repo is fetched first
(and verified, as cairn fetch does).

Every block is checked against its CID as it is read, and each file layer
against the SHA-256 its package records. The output is written beside PATH and
renamed into place at the end, so a failure leaves nothing at PATH. An
existing PATH is an error unless --force.

A package is verified against the policy first, as cairn verify does: one
the policy does not trust (revoked from the policy, disputed, signed by too
few keys) is not written (exit 3, with the reason), unless --unverified.
A content CID has nothing to verify but its hashes.`,
		Example: `  cairn get acme/hello@1.2.0 -o hello.wasm
  cairn get acme/site@2.0.0 --layer dist -o ./site
  cairn get bafybei... -o tree/`,
		Args: exactArgs(1, "a package or content (CID or NAME@VERSION)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "output"); err != nil {
				return err
			}
			return runGet(cmd.Context(), g, o, args[0])
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "where to write (required)")
	cmd.Flags().StringVar(&o.layer, "layer", "", "write only this layer")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace PATH if it exists")
	cmd.Flags().BoolVar(&o.unverified, "unverified", false, "write a package the policy does not trust (skips the check)")
	cmd.Flags().BoolVar(&o.allowYanked, "allow-yanked", false, "write a NAME@VERSION its publishers withdrew (cairn yank)")
	markPaths(cmd, "output")
	return cmd
}

func runGet(ctx context.Context, g *globalOptions, o *getOptions, arg string) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		var c cid.Cid
		get := func() (*node.GetResult, error) {
			var err error
			if c, err = r.Resolve(ctx, arg); err != nil {
				return nil, err
			}
			if err := checkYank(ctx, r, arg, o.allowYanked); err != nil {
				return nil, err
			}
			return r.Get(ctx, c, o.output, node.GetOptions{Layer: o.layer, Overwrite: o.force, Unverified: o.unverified})
		}
		res, err := get()
		if errors.Is(err, node.ErrNotFound) && g.node != nil {
			// Not here, and a daemon runs: fetch it (verified), then get it.
			fmt.Fprintf(g.stderr, "cairn: %s is not in the repo; fetching it\n", safeText(arg))
			var opts []node.FetchOption
			if o.allowYanked {
				opts = append(opts, node.WithAllowYanked())
			}
			if _, ferr := g.node.Fetch(ctx, arg, 0, opts...); ferr != nil {
				return ferr
			}
			res, err = get()
		}
		if err != nil {
			return err
		}
		warnUnverified(g, c, o.unverified)
		if g.json {
			return g.printJSON(res)
		}
		g.printf("wrote %s (%s)\n", res.Path, units.Bytes(int64(res.Size)))
		return nil
	})
}

// warnUnverified says on stderr when bytes went out without a verdict: a
// content CID (nothing to verify but hashes), or --unverified.
func warnUnverified(g *globalOptions, c cid.Cid, unverified bool) {
	switch {
	case c.Prefix().Codec != cid.DagCBOR:
		g.warn([]string{fmt.Sprintf("%s is content, not a package: its blocks were checked against their CIDs, but no signature vouches for it", c)})
	case unverified:
		g.warn([]string{"--unverified: the package was not checked against the policy"})
	}
}

// checkYank refuses a NAME@VERSION argument its publishers withdrew, unless
// allowed; a CID is never refused (yanked versions stay fetchable by CID).
func checkYank(ctx context.Context, r *node.Repo, arg string, allow bool) error {
	if allow || !strings.Contains(arg, "@") {
		return nil
	}
	ref, err := dag.ParseRef(arg)
	if err != nil {
		return err
	}
	return r.CheckNotYanked(ctx, ref)
}

package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cairnpkg/cairn/node"
	"github.com/spf13/cobra"
)

type getOptions struct {
	output string
	layer  string
	force  bool
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

get does not verify signatures: run cairn verify first, or use the exit
status of both: cairn verify X && cairn get X -o out.`,
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
	markPaths(cmd, "output")
	return cmd
}

func runGet(ctx context.Context, g *globalOptions, o *getOptions, arg string) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		get := func() (*node.GetResult, error) {
			c, err := r.Resolve(ctx, arg)
			if err != nil {
				return nil, err
			}
			return r.Get(ctx, c, o.output, node.GetOptions{Layer: o.layer, Overwrite: o.force})
		}
		res, err := get()
		if errors.Is(err, node.ErrNotFound) && g.node != nil {
			// Not here, and a daemon runs: fetch it (verified), then get it.
			fmt.Fprintf(g.stderr, "cairn: %s is not in the repo; fetching it\n", safeText(arg))
			if _, ferr := g.node.Fetch(ctx, arg, 0); ferr != nil {
				return ferr
			}
			res, err = get()
		}
		if err != nil {
			return err
		}
		if g.json {
			return g.printJSON(res)
		}
		g.printf("wrote %s (%s)\n", res.Path, humanBytes(int64(res.Size)))
		return nil
	})
}

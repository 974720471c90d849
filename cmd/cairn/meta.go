package main

import (
	"context"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node"
	"github.com/spf13/cobra"
)

type metaAddOptions struct {
	meta   []string
	kind   string
	inputs []string
	key    string
	role   string
}

func newMetaCmd(g *globalOptions) *cobra.Command {
	cmd := groupCmd("meta", "Attach metadata sets to packages", `A package can carry any number of metadata sets, added later by anyone: a CI
that ran tests, an auditor, a license scanner. Each is its own signed node that
names the package's CID, so it can be neither detached nor moved to another
package without breaking its signatures.`)
	o := &metaAddOptions{}
	add := &cobra.Command{
		Use:   "add PACKAGE --meta FILE",
		Short: "Attach a new signed metadata set to a package (CID or NAME@VERSION)",
		Example: `  cairn meta add acme/hello@1.2.0 --meta review.toml --kind review --key auditor --role auditor
  cairn meta add bafyrei... --meta license.json --kind license`,
		Args: exactArgs(1, "a package (CID or NAME@VERSION)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "meta"); err != nil {
				return err
			}
			return runMetaAdd(cmd.Context(), g, o, args[0])
		},
	}
	f := add.Flags()
	f.StringArrayVar(&o.meta, "meta", nil, "metadata file, .toml or .json (repeatable, required)")
	f.StringVar(&o.kind, "kind", dag.KindBuild, "metadata kind: build, license, review, mirror, or your own")
	f.StringArrayVar(&o.inputs, "input", nil, "package this one was made from, CID or NAME@VERSION (repeatable)")
	f.StringVar(&o.key, "key", "", "signing key: a name in the repo, or a PEM file (default: the repo's default key)")
	f.StringVar(&o.role, "role", dag.RolePublisher, "role of the signature")
	markPaths(add, "meta")
	markKey(add)
	cmd.AddCommand(add)
	return cmd
}

func runMetaAdd(ctx context.Context, g *globalOptions, o *metaAddOptions, pkgArg string) error {
	entries, err := readEntries(o.meta)
	if err != nil {
		return err
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		pkg, err := r.Resolve(ctx, pkgArg)
		if err != nil {
			return err
		}
		inputs, err := resolveAll(ctx, r, o.inputs)
		if err != nil {
			return err
		}
		res, err := r.AddMetadata(ctx, node.MetadataRequest{
			Package: pkg, Kind: o.kind, Entries: entries, Inputs: inputs, Key: o.key, Role: o.role,
		})
		if err != nil {
			return err
		}
		g.warn(res.Warnings)
		if g.json {
			return g.printJSON(res)
		}
		g.printf("metadata   %s\nsignature  %s\nsigner     %s\n", res.Metadata, res.Signature, res.Signer)
		g.printf("log        %s\n", logLine(res.Log))
		return nil
	})
}

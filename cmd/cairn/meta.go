package main

import (
	"context"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node"
)

type metaAddOptions struct {
	meta   []string
	inToto string
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
		Use:   "add PACKAGE --meta FILE | --in-toto FILE",
		Short: "Attach a new signed metadata set to a package (CID or NAME@VERSION)",
		Long: `Attach a new metadata set, signed by --key, to a package in the repo: entries
from --meta files, or an in-toto statement from --in-toto (docs/metadata.md).

--in-toto FILE takes an in-toto Statement (v1) or a DSSE envelope around one.
It is checked with the in-toto library; every DSSE signature whose keyid is a
did:key must verify (a signature by another kind of key cannot be checked, so
it is attached marked unverified, with a warning); and every subject's
SHA-256 must be the SHA-256 of a file layer of the package, else nothing is
attached. SLSA Provenance v1 fills the well-known build and source keys; the
statement itself is kept byte for byte under "intoto". The kind is build for
SLSA provenance and attestation otherwise, unless --kind is given.`,
		Example: `  cairn meta add acme/hello@1.2.0 --meta review.toml --kind review --key auditor --role auditor
  cairn meta add bafyrei... --meta license.json --kind license
  cairn meta add acme/hello@1.2.0 --in-toto provenance.intoto.json`,
		Args: exactArgs(1, "a package (CID or NAME@VERSION)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("meta") && !cmd.Flags().Changed("in-toto") {
				return usageErrorf("%s needs --meta or --in-toto; see %s --help", cmd.CommandPath(), cmd.CommandPath())
			}
			if !cmd.Flags().Changed("kind") {
				o.kind = ""
			}
			return runMetaAdd(cmd.Context(), g, o, args[0])
		},
	}
	f := add.Flags()
	f.StringArrayVar(&o.meta, "meta", nil, "metadata file, .toml or .json (repeatable; this or --in-toto is required)")
	f.StringVar(&o.inToto, "in-toto", "", "in-toto statement or DSSE envelope file to attach")
	f.StringVar(&o.kind, "kind", dag.KindBuild, "metadata kind: build, license, review, mirror, or your own")
	f.StringArrayVar(&o.inputs, "input", nil, "package this one was made from, CID or NAME@VERSION (repeatable)")
	f.StringVar(&o.key, "key", "", "signing key: a name in the repo, or a PEM file (default: the repo's default key)")
	f.StringVar(&o.role, "role", dag.RolePublisher, "role of the signature")
	markPaths(add, "meta", "in-toto")
	markKey(add)
	cmd.AddCommand(add)
	return cmd
}

func runMetaAdd(ctx context.Context, g *globalOptions, o *metaAddOptions, pkgArg string) error {
	var entries datamodel.Node
	var err error
	if len(o.meta) > 0 || o.inToto == "" {
		entries, err = readEntries(o.meta)
	}
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
		if o.inToto != "" {
			return addInToto(ctx, g, r, o, pkg, entries, inputs)
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

func addInToto(ctx context.Context, g *globalOptions, r *node.Repo, o *metaAddOptions, pkg cid.Cid, entries datamodel.Node, inputs []cid.Cid) error {
	res, err := r.AddInToto(ctx, node.InTotoRequest{
		Package: pkg, File: o.inToto, Kind: o.kind, Entries: entries, Inputs: inputs, Key: o.key, Role: o.role,
	})
	if err != nil {
		return err
	}
	g.warn(res.Warnings)
	if g.json {
		return g.printJSON(res)
	}
	g.printf("in-toto    %s (kind %s)\n", safeText(res.PredicateType), safeText(res.Kind))
	for _, m := range res.Subjects {
		g.printf("subject    %s = layer %s (sha256:%s)\n", safeText(m.Subject), safeText(m.Layer), m.SHA256)
	}
	for _, s := range res.DSSE {
		state := "verified"
		if !s.Verified {
			state = "not verified: " + s.Reason
		}
		g.printf("dsse       %s (%s)\n", safeText(s.KeyID), state)
	}
	g.printf("metadata   %s\nsignature  %s\nsigner     %s\n", res.Metadata, res.Signature, res.Signer)
	g.printf("log        %s\n", logLine(res.Log))
	return nil
}

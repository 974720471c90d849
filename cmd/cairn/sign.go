package main

import (
	"context"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node"
	"github.com/spf13/cobra"
)

type signOptions struct {
	key  string
	role string
}

func newSignCmd(g *globalOptions) *cobra.Command {
	o := &signOptions{}
	cmd := &cobra.Command{
		Use:   "sign METADATA_CID",
		Short: "Add a signature to a metadata set",
		Long: `Sign a metadata set (not a package: cairn inspect lists a package's metadata
sets and their CIDs). Every signature is its own node, so two signers never
overwrite each other; a policy threshold of k counts k distinct keys.`,
		Example: `  cairn sign bafyrei... --key release-2 --role publisher
  cairn sign bafyrei... --key auditor --role auditor --json`,
		Args: exactArgs(1, "a metadata set's CID"),
		RunE: func(cmd *cobra.Command, args []string) error { return runSign(cmd.Context(), g, o, args[0]) },
	}
	cmd.Flags().StringVar(&o.key, "key", "", "signing key: a name in the repo, or a PEM file (default: the repo's default key)")
	cmd.Flags().StringVar(&o.role, "role", dag.RolePublisher, "role of the signature: publisher, builder, auditor, mirror, ...")
	markKey(cmd)
	return cmd
}

func runSign(ctx context.Context, g *globalOptions, o *signOptions, arg string) error {
	c, err := dag.ParseCID(arg)
	if err != nil {
		return err
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		res, err := r.Sign(ctx, node.SignRequest{Metadata: c, Key: o.key, Role: o.role})
		if err != nil {
			return err
		}
		g.warn(res.Warnings)
		if g.json {
			return g.printJSON(res)
		}
		g.printf("signature  %s\nsigner     %s\n", res.Signature, res.Signer)
		g.printf("log        %s\n", logLine(res.Log))
		return nil
	})
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/node"
)

type attestOptions struct {
	output    string
	force     bool
	predicate string
	dsse      bool
	key       string
}

func newAttestCmd(g *globalOptions) *cobra.Command {
	o := &attestOptions{}
	cmd := &cobra.Command{
		Use:   "attest CID|NAME@VERSION [-o FILE]",
		Short: "Write a package's in-toto statement (SLSA provenance or Cairn's metadata predicate)",
		Long: `Write an in-toto Statement v1 about a package: its subjects are the package's
file layers (name and SHA-256), and its predicate is SLSA Provenance v1, made
from a build metadata set that names its builder (build.builder), or else
Cairn's own predicate (https://cairn.dev/metadata/v1) listing every metadata
set with its entries, signatures and verdicts under this repo's policy.
--predicate slsa or cairn picks one; slsa fails when no build metadata names a
builder. docs/metadata.md maps the fields.

With --dsse the statement is wrapped in a DSSE envelope signed by --key (the
default key when not given), whose keyid is the key's did:key.

The statement (or envelope) goes to stdout, or to FILE with -o (written
beside it and renamed into place; an existing FILE is an error unless
--force).`,
		Example: `  cairn attest acme/hello@1.2.0 > hello.intoto.json
  cairn attest acme/hello@1.2.0 --dsse --key release -o hello.dsse.json
  cairn attest bafyrei... --predicate cairn | jq .predicate.metadata`,
		Args: exactArgs(1, "a package (CID or NAME@VERSION)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("key") && !o.dsse {
				return usageErrorf("--key signs the DSSE envelope: it needs --dsse")
			}
			if o.force && o.output == "" {
				return usageErrorf("--force replaces the -o FILE: it needs -o")
			}
			return runAttest(cmd.Context(), g, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "write to FILE instead of stdout")
	f.BoolVar(&o.force, "force", false, "replace FILE if it exists")
	f.StringVar(&o.predicate, "predicate", "auto", "auto, slsa or cairn")
	f.BoolVar(&o.dsse, "dsse", false, "wrap the statement in a DSSE envelope signed by --key")
	f.StringVar(&o.key, "key", "", "signing key of the envelope: a name in the repo, or a PEM file (default: the repo's default key)")
	markPaths(cmd, "output")
	markKey(cmd)
	return cmd
}

// attestFileResult is what attest -o says it wrote.
type attestFileResult struct {
	File          string `json:"file"`
	PredicateType string `json:"predicateType"`
	Subjects      int    `json:"subjects"`
	DSSE          bool   `json:"dsse"`
	KeyID         string `json:"keyid,omitempty"`
}

func runAttest(ctx context.Context, g *globalOptions, o *attestOptions, arg string) error {
	if o.output != "" && !o.force {
		if _, err := os.Lstat(o.output); err == nil {
			return fmt.Errorf("%w: %s (--force replaces it)", content.ErrExists, o.output)
		}
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		c, err := r.Resolve(ctx, arg)
		if err != nil {
			return err
		}
		res, err := r.Attest(ctx, node.AttestRequest{Package: c, Predicate: o.predicate, DSSE: o.dsse, Key: o.key})
		if err != nil {
			return err
		}
		data, err := res.JSON()
		if err != nil {
			return err
		}
		if o.output == "" {
			// The statement is the output, --json or not.
			_, err := g.stdout.Write(data)
			return err
		}
		if err := writeOutput(o.output, data, o.force); err != nil {
			return err
		}
		out := attestFileResult{File: o.output, PredicateType: res.Statement.PredicateType, Subjects: len(res.Statement.Subject), DSSE: res.Envelope != nil}
		if res.Envelope != nil {
			out.KeyID = res.Envelope.Signatures[0].KeyID
		}
		if g.json {
			return g.printJSON(out)
		}
		g.printf("wrote %s: in-toto statement, %s, %d subject(s)\n", out.File, out.PredicateType, out.Subjects)
		if out.DSSE {
			g.printf("  in a DSSE envelope signed by %s\n", out.KeyID)
		}
		return nil
	})
}

// writeOutput writes data to a temporary file beside out, syncs it, and
// moves it to out: replacing out only when force, else failing if out
// exists.
func writeOutput(out string, data []byte, force bool) (err error) {
	f, err := os.CreateTemp(filepath.Dir(out), ".cairn-out-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // gone already after a rename; still there after a link or a failure
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if force {
		return os.Rename(tmp, out)
	}
	if err := os.Link(tmp, out); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s (--force replaces it)", content.ErrExists, out)
		}
		return err
	}
	return nil
}

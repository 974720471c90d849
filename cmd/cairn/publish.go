package main

import (
	"context"
	"io/fs"
	"path/filepath"

	"github.com/ipfs/go-cid"
	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/units"
	"github.com/cairnpkg/cairn/node"
)

type publishOptions struct {
	name      string
	version   string
	meta      []string
	kind      string
	inputs    []string
	key       string
	role      string
	mediaType string
}

func newPublishCmd(g *globalOptions) *cobra.Command {
	o := &publishOptions{}
	cmd := &cobra.Command{
		Use:   "publish PATH... --name NAMESPACE/NAME --version VERSION",
		Short: "Import files or directories as a signed package",
		Long: `Import each PATH (a file or a directory) as one layer of a package, build a
metadata set from the --meta files, sign it, and pin and index everything in
one transaction: if anything fails, the repo is left as it was.

Content is imported as UnixFS with the unixfs-v1-2025 profile (CIDv1, raw
leaves, 1 MiB chunks), so a file's content CID is the one Kubo gives with that
profile; each file layer also records the file's plain SHA-256.

--meta takes TOML or JSON (by extension) with open-ended entries; well-known
keys are in docs/metadata.md. Write a link as {"/": "CID"}. Several --meta
files are merged; a key given twice is an error.`,
		Example: `  cairn publish ./hello.wasm --name acme/hello --version 1.2.0 --meta build.toml
  cairn publish ./dist --name acme/site --version 2.0.0-rc.1 --json
  cairn publish ./hello.opt.wasm --name acme/hello-opt --version 1.2.0 \
      --input acme/hello@1.2.0 --meta optimize.json --key ci-optimizer --role builder`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errNoPaths}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "name", "version"); err != nil {
				return err
			}
			return runPublish(cmd.Context(), g, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "", "package name, NAMESPACE/NAME (required)")
	f.StringVar(&o.version, "version", "", "semantic version, e.g. 1.2.0 (required)")
	f.StringArrayVar(&o.meta, "meta", nil, "metadata file, .toml or .json (repeatable)")
	f.StringVar(&o.kind, "kind", dag.KindBuild, "metadata kind: build, license, review, mirror, or your own")
	f.StringArrayVar(&o.inputs, "input", nil, "package this one was made from, CID or NAME@VERSION (repeatable)")
	f.StringVar(&o.key, "key", "", "signing key: a name in the repo, or a PEM file (default: the repo's default key)")
	f.StringVar(&o.role, "role", dag.RolePublisher, "role of the signature")
	f.StringVar(&o.mediaType, "media-type", "", "media type of a single file (default: from its extension)")
	markPathArgs(cmd)
	markPaths(cmd, "meta")
	markKey(cmd)
	return cmd
}

var errNoPaths = usageErrorf("publish needs at least one file or directory")

func runPublish(ctx context.Context, g *globalOptions, o *publishOptions, paths []string) error {
	name, err := dag.ParseName(o.name)
	if err != nil {
		return err
	}
	if _, err := dag.ParseVersion(o.version); err != nil {
		return err
	}
	entries, err := readEntries(o.meta)
	if err != nil {
		return err
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		inputs, err := resolveAll(ctx, r, o.inputs)
		if err != nil {
			return err
		}
		bar := newProgress("importing", totalSize(paths))
		req := node.PublishRequest{
			Paths: paths, Name: name, Version: o.version, MediaType: o.mediaType,
			Kind: o.kind, Entries: entries, Inputs: inputs, Key: o.key, Role: o.role,
		}
		if bar != nil {
			req.Progress = bar.update
		}
		res, err := r.Publish(ctx, req)
		bar.done()
		if err != nil {
			return err
		}
		g.warn(res.Warnings)
		if g.json {
			return g.printJSON(res)
		}
		g.printf("published %s@%s\n", res.Name, res.Version)
		g.printf("  package    %s\n  metadata   %s\n  signature  %s\n  signer     %s\n", res.Package, res.Metadata, res.Signature, res.Signer)
		for _, l := range res.Layers {
			g.printf("  layer      %s  %s  %s  %s\n", l.Name, l.Content, units.Bytes(int64(l.Size)), l.MediaType)
		}
		g.printf("  log        %s\n", logLine(res.Log))
		if res.TrustAdded != "" {
			g.printf("policy: now trusting %s for %s (first publish there; see cairn trust ls)\n", res.Signer, res.TrustAdded)
		}
		return nil
	})
}

// resolveAll resolves CIDs or NAME@VERSIONs.
func resolveAll(ctx context.Context, r *node.Repo, args []string) ([]cid.Cid, error) {
	out := make([]cid.Cid, 0, len(args))
	for _, a := range args {
		c, err := r.Resolve(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// totalSize sums the sizes of the regular files under paths, for the progress bar.
func totalSize(paths []string) int64 {
	var total int64
	for _, p := range paths {
		_ = filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if info, err := d.Info(); err == nil {
					total += info.Size()
				}
			}
			return nil
		})
	}
	return total
}

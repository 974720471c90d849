package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ipfs/go-cid"
	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/internal/units"
	"github.com/cairnpkg/cairn/internal/writeback"
	"github.com/cairnpkg/cairn/node"
)

type exportOptions struct {
	output      string
	force       bool
	unverified  bool
	allowYanked bool
}

func newExportCmd(g *globalOptions) *cobra.Command {
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export CID|NAME@VERSION -o FILE.car",
		Short: "Write a package and everything that verifies it to a CAR file",
		Long: `Write a bundle: a CARv1 file whose root is the package and whose blocks are
its whole closure: the package, every metadata set and signature the repo holds
for it, the packages its metadata names as inputs (with theirs), and every
block of every layer's content. cairn import FILE.car on another machine, with
no network, verifies it all against that repo's policy before keeping anything.

A CID of UnixFS content exports just that DAG. The file is a plain CARv1, so
ipfs dag import (Kubo) reads it too (docs/bundles.md).

A package is verified against the policy first, as cairn verify does: one
the policy does not trust is not exported (exit 3, with the reason), unless
--unverified. A content CID has nothing to verify but its hashes.

The CAR is written beside FILE and renamed into place at the end, so a failure
leaves nothing at FILE. An existing FILE is an error unless --force.`,
		Example: `  cairn export acme/hello@1.2.0 -o hello.car
  cairn export bafybei... -o tree.car --force`,
		Args: exactArgs(1, "a package or content (CID or NAME@VERSION)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "output"); err != nil {
				return err
			}
			return runExport(cmd.Context(), g, o, args[0])
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "the CAR file to write (required)")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace FILE if it exists")
	cmd.Flags().BoolVar(&o.unverified, "unverified", false, "export a package the policy does not trust (skips the check)")
	cmd.Flags().BoolVar(&o.allowYanked, "allow-yanked", false, "export a NAME@VERSION its publishers withdrew (cairn yank)")
	markPaths(cmd, "output")
	return cmd
}

// exportJSON is export's --json output.
type exportJSON struct {
	Path string `json:"path"`
	node.ExportResult
}

func runExport(ctx context.Context, g *globalOptions, o *exportOptions, arg string) error {
	if _, err := os.Lstat(o.output); err == nil && !o.force {
		return fmt.Errorf("%w: %s (--force replaces it)", content.ErrExists, o.output)
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		c, err := r.Resolve(ctx, arg)
		if err != nil {
			return err
		}
		if err := checkYank(ctx, r, arg, o.allowYanked); err != nil {
			return err
		}
		res, err := exportTo(ctx, r, c, o.output, o.force, node.ExportOptions{Unverified: o.unverified})
		if err != nil {
			return err
		}
		warnUnverified(g, c, o.unverified)
		g.warn(res.Warnings)
		if g.json {
			return g.printJSON(exportJSON{Path: o.output, ExportResult: res})
		}
		what := "content"
		if res.Name != "" {
			what = fmt.Sprintf("%s@%s, %d package(s),", safeText(res.Name), safeText(res.Version), res.Packages)
		}
		g.printf("wrote %s: %s %d blocks, %s\n  root %s\n", o.output, what, res.Blocks, units.Bytes(res.Bytes), res.Root)
		return nil
	})
}

// exportTo writes the bundle of c to a temporary file beside out, syncs it,
// and moves it to out: replacing out only when force, else failing if out
// appeared meanwhile.
func exportTo(ctx context.Context, r *node.Repo, c cid.Cid, out string, force bool, eo node.ExportOptions) (res node.ExportResult, err error) {
	f, err := os.CreateTemp(filepath.Dir(out), ".cairn-export-*.car")
	if err != nil {
		return res, err
	}
	tmp := f.Name()
	defer func() {
		if f != nil {
			f.Close()
		}
		os.Remove(tmp) // gone already after a rename; still there after a link or a failure
	}()
	// The bundle's pages are written out as it streams and dropped once on
	// disk (internal/writeback): it is read again only when carried away.
	w := writeback.NewWriter(f)
	if res, err = r.Export(ctx, c, w, eo); err != nil {
		return res, err
	}
	if err := f.Chmod(0o644); err != nil {
		return res, err
	}
	if err := f.Sync(); err != nil {
		return res, err
	}
	w.Drop()
	err = f.Close()
	f = nil
	if err != nil {
		return res, err
	}
	if force {
		return res, os.Rename(tmp, out)
	}
	if err := os.Link(tmp, out); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return res, fmt.Errorf("%w: %s (--force replaces it)", content.ErrExists, out)
		}
		return res, err
	}
	return res, nil
}

package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/node/internal/publish"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// GetOptions says how to write content out.
type GetOptions struct {
	// Layer selects one layer of a package by name; "" means every layer.
	Layer string
	// Overwrite lets Get replace an existing path.
	Overwrite bool
	// Unverified writes a package out without checking it against the
	// policy first. Content CIDs are never verified (there is nothing to
	// verify but hashes).
	Unverified bool
}

// GetResult says what was written.
type GetResult struct {
	Path   string      `json:"path"`
	Layers []LayerView `json:"layers,omitempty"`
	Size   uint64      `json:"size"`
	// Report is the verdict the package was written out on; nil for
	// content and with Unverified.
	Report *sign.Report `json:"report,omitempty"`
}

// Get writes content out byte for byte: a package's layer (or, for several
// layers, a directory with one entry per layer), or a UnixFS file or directory
// by its CID. A package is first verified against the policy, as Verify does,
// unless o.Unverified: untrusted, it is an error wrapping ErrUntrusted and
// nothing is written. Every block is checked against its CID as it is read,
// and a file layer against the package's SHA-256; on a mismatch nothing is
// left at out.
func (r *Repo) Get(ctx context.Context, c cid.Cid, out string, o GetOptions) (*GetResult, error) {
	var exportOpts []content.ExportOption
	if o.Overwrite {
		exportOpts = append(exportOpts, content.WithOverwrite())
	}
	if c.Prefix().Codec != cid.DagCBOR {
		res, err := content.Export(ctx, r.store.DAGService(), c, out, exportOpts...)
		if err != nil {
			return nil, r.exportError(c, err)
		}
		return &GetResult{Path: out, Size: res.Size}, nil
	}
	p, err := r.Package(ctx, c)
	if err != nil {
		return nil, err
	}
	var rep *sign.Report
	if !o.Unverified {
		if rep, err = r.trusted(ctx, c, "written"); err != nil {
			return nil, err
		}
	}
	layers := p.Layers
	if o.Layer != "" {
		layers = nil
		for _, l := range p.Layers {
			if l.Name == o.Layer {
				layers = []dag.Layer{l}
			}
		}
		if layers == nil {
			return nil, fmt.Errorf("%w: package %s has no layer %q", ErrNotFound, p.Ref(), o.Layer)
		}
	}
	res := &GetResult{Path: out, Layers: publish.LayerViews(layers), Report: rep}
	if len(layers) == 1 {
		n, err := r.exportLayer(ctx, layers[0], out, exportOpts)
		res.Size = n
		return res, err
	}
	// Several layers: build the directory beside out, then rename it into place.
	if _, err := os.Lstat(out); err == nil && !o.Overwrite {
		return nil, fmt.Errorf("%w: %s", content.ErrExists, out)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".cairn-get-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	for _, l := range layers {
		n, err := r.exportLayer(ctx, l, filepath.Join(tmp, l.Name), nil)
		if err != nil {
			return nil, err
		}
		res.Size += n
	}
	if err := replace(tmp, out, o.Overwrite); err != nil {
		return nil, err
	}
	return res, nil
}

// replace renames the finished tmp to out. An existing out (allowed only with
// overwrite) is moved aside first and put back if the rename fails, so out is
// always either the old content or the new.
func replace(tmp, out string, overwrite bool) error {
	if _, err := os.Lstat(out); err != nil {
		return os.Rename(tmp, out)
	}
	if !overwrite {
		return fmt.Errorf("%w: %s", content.ErrExists, out)
	}
	aside := out + ".cairn-old-" + filepath.Base(tmp)
	if err := os.Rename(out, aside); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		if rerr := os.Rename(aside, out); rerr != nil {
			return fmt.Errorf("%w (and putting the old %s back from %s: %w)", err, out, aside, rerr)
		}
		return err
	}
	return os.RemoveAll(aside)
}

// exportLayer writes one layer to out. The bytes are checked against the
// layer's kind, size and SHA-256 before they are moved into place, so a
// mismatch never replaces or exposes anything at out.
func (r *Repo) exportLayer(ctx context.Context, l dag.Layer, out string, opts []content.ExportOption) (uint64, error) {
	check := content.WithCheck(func(res content.ExportResult) error {
		if res.Dir != l.IsDir() {
			return fmt.Errorf("%w: layer %q says %s, but its content is not", ErrLayerMismatch, l.Name, l.MediaType)
		}
		if res.Size != l.Size || (!l.IsDir() && !bytes.Equal(res.SHA256, l.SHA256)) {
			return fmt.Errorf("%w: layer %q: content is %d bytes with sha256 %x, the package says %d bytes with sha256 %x",
				ErrLayerMismatch, l.Name, res.Size, res.SHA256, l.Size, l.SHA256)
		}
		return nil
	})
	res, err := content.Export(ctx, r.store.DAGService(), l.Content, out, append(opts, check)...)
	if err != nil {
		return 0, r.exportError(l.Content, err)
	}
	return res.Size, nil
}

func (r *Repo) exportError(c cid.Cid, err error) error {
	if store.IsNotFound(err) {
		return fmt.Errorf("%w: content %s is not (entirely) in the repo: %w", ErrNotFound, c, err)
	}
	if errors.Is(err, dag.ErrHashMismatch) {
		return fmt.Errorf("content %s is corrupt in the repo: %w", c, err)
	}
	return err
}

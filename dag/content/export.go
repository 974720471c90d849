package content

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/cairnpkg/cairn/internal/writeback"
)

// Export writes the UnixFS file or directory tree under root to path. It
// builds the content in a temporary sibling of path and renames it into place
// at the end, so a failure leaves path as it was. An existing path is an
// error (ErrExists) unless WithOverwrite is given.
//
// Files are written streaming, node by node. Files get mode 0644 and
// directories 0755, less the umask (the profile stores no modes). Directory
// entry names that could escape path are an error (ErrUnsafeName). For a file,
// the result carries the SHA-256 of the bytes written, for the caller to check.
func Export(ctx context.Context, src ipld.NodeGetter, root cid.Cid, path string, opts ...ExportOption) (ExportResult, error) {
	if err := ctx.Err(); err != nil {
		return ExportResult{}, err
	}
	cfg := newExportConfig(opts)
	path = filepath.Clean(path)
	if !cfg.overwrite {
		if _, err := os.Lstat(path); err == nil {
			return ExportResult{}, fmt.Errorf("%w: %s", ErrExists, path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return ExportResult{}, err
		}
	}
	nd, err := src.Get(ctx, root)
	if err != nil {
		return ExportResult{}, err
	}
	k, err := kindOf(nd, root.String())
	if err != nil {
		return ExportResult{}, err
	}

	var (
		tmp string
		res ExportResult
	)
	if k == kindDir {
		tmp, res, err = exportDirTemp(ctx, src, nd, path)
	} else {
		tmp, res, err = exportFileTemp(ctx, src, nd, path)
	}
	if err == nil && cfg.check != nil {
		err = cfg.check(res)
	}
	if err == nil {
		err = install(tmp, path, cfg.overwrite)
	}
	if err != nil {
		if tmp != "" {
			_ = os.RemoveAll(tmp)
		}
		return ExportResult{}, err
	}
	return res, nil
}

// exportFileTemp writes the file rooted at nd to a new temporary sibling of
// path and returns its name (also on error, once created).
func exportFileTemp(ctx context.Context, src ipld.NodeGetter, nd ipld.Node, path string) (string, ExportResult, error) {
	f, err := createTempFile(path)
	if err != nil {
		return "", ExportResult{}, err
	}
	// A large file's pages are written out as it streams, in the background,
	// not left to pile up dirty in the page cache (internal/writeback).
	n, sum, err := streamFile(ctx, src, nd, writeback.NewBackgroundWriter(f), true)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return f.Name(), ExportResult{}, err
	}
	return f.Name(), ExportResult{Size: uint64(n), SHA256: sum}, nil
}

// exportDirTemp writes the directory tree rooted at nd to a new temporary
// sibling of path and returns its name (also on error, once created).
func exportDirTemp(ctx context.Context, src ipld.NodeGetter, nd ipld.Node, path string) (string, ExportResult, error) {
	tmp, err := createTempDir(path)
	if err != nil {
		return "", ExportResult{}, err
	}
	n, err := exportDir(ctx, src, nd, tmp, path)
	if err != nil {
		return tmp, ExportResult{}, err
	}
	return tmp, ExportResult{Size: n, Dir: true}, nil
}

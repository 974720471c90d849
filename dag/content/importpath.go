package content

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	ipld "github.com/ipfs/go-ipld-format"
)

// ImportPath imports a regular file or a directory tree (recursively, entries
// in name order) with the unixfs-v1-2025 profile and writes its blocks to dst.
// Modes and times are not stored. Symlinks, devices, sockets and named pipes,
// at path or anywhere below it, are rejected with an error wrapping
// ErrUnsupportedFile that names the path. Writes are batched as in ImportReader.
func ImportPath(ctx context.Context, dst ipld.DAGService, path string, opts ...Option) (Result, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return Result{}, err
	}
	im := newImporter(ctx, dst, newImportConfig(opts))
	var res Result
	switch {
	case fi.Mode().IsRegular():
		_, res, err = im.path(path)
	case fi.IsDir():
		_, res, err = im.dir(path)
	default:
		err = unsupported(path, fi.Mode())
	}
	if err != nil {
		im.batch.abort()
		return Result{}, im.maps.unmap(err)
	}
	if err := im.batch.commit(); err != nil {
		return Result{}, im.maps.unmap(err)
	}
	im.maps.unmap(nil)
	return res, nil
}

// path imports the regular file at path.
func (im *importer) path(path string) (ipld.Node, Result, error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, Result{}, err
	}
	if im.mapFiles {
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, Result{}, err
		}
		if m := mapFile(f, fi.Size()); m != nil {
			// m keeps f open until unmap.
			im.maps.add(m, path)
			return im.file(newMappedSplitter(im.ctx, m, &im.progress))
		}
	}
	defer f.Close()
	return im.file(newHashingSplitter(im.ctx, f, &im.progress))
}

// dir imports the directory at path and everything below it.
func (im *importer) dir(path string) (ipld.Node, Result, error) {
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, Result{}, err
	}
	d, err := uio.NewDirectory(im.batch.dag, directoryOptions()...)
	if err != nil {
		return nil, Result{}, err
	}
	var total uint64
	for _, e := range entries {
		if err := im.ctx.Err(); err != nil {
			return nil, Result{}, err
		}
		p := filepath.Join(path, e.Name())
		var (
			nd  ipld.Node
			res Result
		)
		switch t := e.Type(); {
		case t.IsRegular():
			nd, res, err = im.path(p)
		case t.IsDir():
			nd, res, err = im.dir(p)
		default:
			err = unsupported(p, t)
		}
		if err != nil {
			return nil, Result{}, err
		}
		if err := d.AddChild(im.ctx, e.Name(), nd); err != nil {
			return nil, Result{}, fmt.Errorf("adding %s: %w", p, err)
		}
		total += res.Size
	}
	nd, err := d.GetNode()
	if err != nil {
		return nil, Result{}, err
	}
	if err := im.batch.dag.Add(im.ctx, nd); err != nil {
		return nil, Result{}, err
	}
	return nd, Result{Root: nd.Cid(), Size: total, Dir: true}, nil
}

// unsupported is the error for a file that is neither regular nor a directory.
func unsupported(path string, mode fs.FileMode) error {
	what := "irregular file"
	switch {
	case mode&fs.ModeSymlink != 0:
		what = "symlink"
	case mode&fs.ModeDevice != 0:
		what = "device"
	case mode&fs.ModeNamedPipe != 0:
		what = "named pipe"
	case mode&fs.ModeSocket != 0:
		what = "socket"
	}
	return fmt.Errorf("%w: %s is a %s", ErrUnsupportedFile, path, what)
}

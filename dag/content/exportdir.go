package content

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/cairnpkg/cairn/internal/writeback"
)

// exportDir writes the entries of the directory nd (basic or HAMT) into the
// existing empty directory dir, recursively, and returns the bytes of all
// files written. shown is the path dir will finally have, for errors.
func exportDir(ctx context.Context, src ipld.NodeGetter, nd ipld.Node, dir, shown string) (uint64, error) {
	d, err := uio.NewDirectoryFromNode(readOnlyDAG{src}, nd)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %v", ErrNotUnixFS, shown, err)
	}
	var total uint64
	err = d.ForEachLink(ctx, func(l *ipld.Link) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := checkName(l.Name, shown); err != nil {
			return err
		}
		p, shownP := filepath.Join(dir, l.Name), filepath.Join(shown, l.Name)
		child, err := src.Get(ctx, l.Cid)
		if err != nil {
			return fmt.Errorf("%s: %w", shownP, err)
		}
		k, err := kindOf(child, shownP)
		if err != nil {
			return err
		}
		var n uint64
		if k == kindDir {
			if err := os.Mkdir(p, 0o755); err != nil {
				return entryError(err, l.Name, shown)
			}
			n, err = exportDir(ctx, src, child, p, shownP)
		} else {
			n, err = exportFile(ctx, src, child, p, l.Name, shown)
		}
		total += n
		return err
	})
	return total, err
}

// exportFile writes the file rooted at nd to the new file p.
func exportFile(ctx context.Context, src ipld.NodeGetter, nd ipld.Node, p, name, shown string) (uint64, error) {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, entryError(err, name, shown)
	}
	n, _, err := streamFile(ctx, src, nd, writeback.NewBackgroundWriter(f), false)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", filepath.Join(shown, name), err)
	}
	return uint64(n), nil
}

// entryError explains a failure to create an entry. As the directory was
// created empty, an existing entry means the name occurs twice (or twice up to
// case, on a case-insensitive file system).
func entryError(err error, name, shown string) error {
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %q occurs twice in %s", ErrUnsafeName, name, shown)
	}
	return err
}

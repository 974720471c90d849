package content

import (
	"fmt"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs"
	ipld "github.com/ipfs/go-ipld-format"
)

// kind is what a UnixFS node stands for.
type kind int

const (
	kindFile kind = iota + 1
	kindDir
)

// kindOf tells whether nd is the root of a UnixFS file or directory. name is
// used in errors (a path, or the node's CID).
func kindOf(nd ipld.Node, name string) (kind, error) {
	switch n := nd.(type) {
	case *mdag.RawNode:
		return kindFile, nil
	case *mdag.ProtoNode:
		fsn, err := unixfs.FSNodeFromBytes(n.Data())
		if err != nil {
			return 0, fmt.Errorf("%w: %s: %v", ErrNotUnixFS, name, err)
		}
		switch t := fsn.Type(); t {
		case unixfs.TFile, unixfs.TRaw:
			return kindFile, nil
		case unixfs.TDirectory, unixfs.THAMTShard:
			return kindDir, nil
		case unixfs.TSymlink:
			return 0, fmt.Errorf("%w: %s is a symlink", ErrUnsupportedFile, name)
		default:
			return 0, fmt.Errorf("%w: %s has unixfs type %s", ErrNotUnixFS, name, t)
		}
	default:
		return 0, fmt.Errorf("%w: %s has codec 0x%x", ErrNotUnixFS, name, nd.Cid().Type())
	}
}

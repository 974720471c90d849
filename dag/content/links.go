package content

import (
	"errors"
	"fmt"

	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
)

// ErrNotContent: a block Links cannot follow: a codec other than raw,
// dag-pb and DAG-CBOR, or bytes that do not decode as their codec says.
var ErrNotContent = errors.New("not content")

// Links returns the children of block c, whose bytes data were checked
// against c, in walk order: a dag-pb node's links in order; none for a raw
// leaf; for a Cairn package, its layers' content roots in order; none for
// other Cairn nodes (metadata sets, signatures and log entries are not
// part of a package's DAG) and other DAG-CBOR. The DAG stream, bundles and
// the store's garbage collector all walk with it, so they agree on what a
// package holds.
func Links(c cid.Cid, data []byte) ([]cid.Cid, error) {
	switch c.Prefix().Codec {
	case cid.Raw:
		return nil, nil
	case cid.DagProtobuf:
		nd, err := merkledag.DecodeProtobuf(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %s is not dag-pb: %w", ErrNotContent, c, err)
		}
		ls := nd.Links()
		out := make([]cid.Cid, len(ls))
		for i, l := range ls {
			out[i] = l.Cid
		}
		return out, nil
	case cid.DagCBOR:
		kind, err := dag.Sniff(c, data)
		if err != nil || kind != dag.NodePackage {
			return nil, nil
		}
		pkg, err := dag.DecodePackage(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %s is not a package: %w", ErrNotContent, c, err)
		}
		out := make([]cid.Cid, len(pkg.Layers))
		for i, l := range pkg.Layers {
			out[i] = l.Content
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s has codec 0x%x", ErrNotContent, c, c.Prefix().Codec)
}

package content

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/codec/dagjson"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
	"github.com/ipld/go-ipld-prime/node/basicnode"
	"github.com/ipld/go-ipld-prime/traversal"

	"github.com/cairnpkg/cairn/dag"
)

// ErrNotContent: a block Links cannot follow: a codec other than raw,
// dag-pb, DAG-CBOR, DAG-JSON, CBOR and JSON, or bytes that do not decode as
// their codec says.
var ErrNotContent = errors.New("not content")

// Codecs without links that Links accepts besides those go-cid names.
const (
	codecCBOR = 0x51   // plain CBOR
	codecJSON = 0x0200 // plain JSON
)

// Links returns the children of block c, whose bytes data were checked
// against c, in walk order: a dag-pb node's links in order; none for a raw
// leaf; for a Cairn package, its layers' content roots in order; none for
// other Cairn nodes (metadata sets, signatures and log entries are not
// part of a package's DAG); for any other DAG-CBOR or DAG-JSON block, every
// link in it, in the order of the encoding (maps in their encoded key order,
// lists in order); none for plain CBOR and JSON, which have no links. The
// DAG stream, bundles and the store's garbage collector all walk with it, so
// they agree on what a package or a content DAG holds.
func Links(c cid.Cid, data []byte) ([]cid.Cid, error) {
	switch c.Prefix().Codec {
	case cid.Raw, codecCBOR, codecJSON:
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
		if err != nil {
			return ipldLinks(c, data) // not a Cairn node: any DAG-CBOR
		}
		if kind != dag.NodePackage {
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
	case cid.DagJSON:
		return ipldLinks(c, data)
	}
	return nil, fmt.Errorf("%w: %s has codec 0x%x", ErrNotContent, c, c.Prefix().Codec)
}

// ipldLinks decodes a DAG-CBOR or DAG-JSON block with go-ipld-prime (nesting
// bounded by its decoders' default of 1024 levels) and returns its links.
func ipldLinks(c cid.Cid, data []byte) ([]cid.Cid, error) {
	nb := basicnode.Prototype.Any.NewBuilder()
	var err error
	if c.Prefix().Codec == cid.DagJSON {
		err = dagjson.DecodeOptions{ParseLinks: true, ParseBytes: true}.Decode(nb, bytes.NewReader(data))
	} else {
		err = dagcbor.DecodeOptions{AllowLinks: true}.Decode(nb, bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s does not decode as its codec (0x%x): %w", ErrNotContent, c, c.Prefix().Codec, err)
	}
	ls, err := traversal.SelectLinks(nb.Build())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotContent, c, err)
	}
	out := make([]cid.Cid, 0, len(ls))
	for _, l := range ls {
		cl, ok := l.(cidlink.Link)
		if !ok {
			return nil, fmt.Errorf("%w: %s holds a link that is not a CID", ErrNotContent, c)
		}
		out = append(out, cl.Cid)
	}
	return out, nil
}

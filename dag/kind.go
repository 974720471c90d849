package dag

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/node/basicnode"
)

// NodeKind says which of Cairn's node types a block is.
type NodeKind int

// The kinds of block Cairn knows.
const (
	NodeUnknown NodeKind = iota
	NodePackage
	NodeMetadata
	NodeSignature
	NodeContent // a UnixFS (dag-pb) or raw block
	NodeLogEntry
	NodeRevocation
)

func (k NodeKind) String() string {
	switch k {
	case NodePackage:
		return "package"
	case NodeMetadata:
		return "metadata"
	case NodeSignature:
		return "signature"
	case NodeContent:
		return "content"
	case NodeLogEntry:
		return "log"
	case NodeRevocation:
		return "revocation"
	}
	return "unknown"
}

// Sniff returns the kind of a block from its CID and, for DAG-CBOR, its "type" field.
// It does not validate the node: decode it with the matching Decode function.
func Sniff(c cid.Cid, data []byte) (NodeKind, error) {
	switch c.Prefix().Codec {
	case cid.DagProtobuf, cid.Raw:
		return NodeContent, nil
	case cid.DagCBOR:
	default:
		return NodeUnknown, fmt.Errorf("%w: codec 0x%x is not one Cairn uses", ErrInvalidCID, c.Prefix().Codec)
	}
	if len(data) > MaxNodeSize {
		return NodeUnknown, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(data))
	}
	nb := basicnode.Prototype.Any.NewBuilder()
	opts := dagcbor.DecodeOptions{AllowLinks: true, MaxDepth: MaxDepth}
	if err := opts.Decode(nb, bytes.NewReader(data)); err != nil {
		if errors.Is(err, dagcbor.ErrDecodeDepthExceeded) {
			return NodeUnknown, fmt.Errorf("%w: more than %d levels", ErrTooDeep, MaxDepth)
		}
		return NodeUnknown, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	t, err := nb.Build().LookupByString("type")
	if err != nil {
		return NodeUnknown, fmt.Errorf("%w: no type field", ErrWrongKind)
	}
	s, err := t.AsString()
	if err != nil {
		return NodeUnknown, fmt.Errorf("%w: type field is not a string", ErrWrongKind)
	}
	switch s {
	case PackageType:
		return NodePackage, nil
	case MetadataType:
		return NodeMetadata, nil
	case SignatureType:
		return NodeSignature, nil
	case LogEntryType, LogEventType:
		return NodeLogEntry, nil
	case RevocationType:
		return NodeRevocation, nil
	}
	return NodeUnknown, fmt.Errorf("%w: type %q", ErrWrongKind, s)
}

// ParseCID parses a CID given by a user or a peer, with a message that says what
// was expected.
func ParseCID(s string) (cid.Cid, error) {
	c, err := cid.Decode(s)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %q: %w", ErrInvalidCID, s, err)
	}
	return c, nil
}

// TypeOf returns the "type" field of DAG-CBOR bytes, if they are a map with
// one, for a reader that takes more than one kind of node (gossip).
func TypeOf(data []byte) (string, bool) { return typeField(data) }

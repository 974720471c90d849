package dag

import (
	"fmt"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// CheckNodeLink requires a link to a Cairn node (a package, metadata set or
// signature) to be a CID as Cairn makes them: CIDv1, DAG-CBOR, sha2-256. A
// signature over a metadata set is only as strong as the hash in that CID, so a
// weaker hash is refused rather than trusted.
func CheckNodeLink(field string, c cid.Cid) error {
	p := c.Prefix()
	if p.Version != 1 || p.Codec != cid.DagCBOR || p.MhType != mh.SHA2_256 || p.MhLength != 32 {
		return fmt.Errorf("%w: %s %s: expected CIDv1, dag-cbor, sha2-256", ErrInvalidCID, field, c)
	}
	return nil
}

// CheckContentLink requires a layer's content to be a UnixFS root as the
// unixfs-v1-2025 profile makes it: CIDv1, raw or dag-pb, sha2-256.
func CheckContentLink(field string, c cid.Cid) error {
	p := c.Prefix()
	if p.Version != 1 || (p.Codec != cid.Raw && p.Codec != cid.DagProtobuf) || p.MhType != mh.SHA2_256 || p.MhLength != 32 {
		return fmt.Errorf("%w: %s %s: expected CIDv1, raw or dag-pb, sha2-256 (unixfs-v1-2025)", ErrInvalidCID, field, c)
	}
	return nil
}

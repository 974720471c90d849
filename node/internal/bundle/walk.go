package bundle

import (
	"context"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/dag/content"
)

// leaf reports whether blocks of c's codec have no links (raw, plain CBOR,
// plain JSON): a walk need only know they are there, not read them.
func leaf(c cid.Cid) bool {
	switch c.Prefix().Codec {
	case cid.Raw, 0x51, 0x0200: // raw, cbor, json
		return true
	}
	return false
}

// identity returns the block an identity CID holds in itself.
func identity(c cid.Cid) ([]byte, bool) {
	if c.Prefix().MhType != mh.IDENTITY {
		return nil, false
	}
	d, err := mh.Decode(c.Hash())
	if err != nil {
		return nil, false
	}
	return d.Digest, true
}

// walkContent visits the content DAG under root depth first, each block once
// (seen is shared between calls), parents before children, links in order
// (content.Links: dag-pb, DAG-CBOR and DAG-JSON links; a Cairn package's
// layers). visit returns the block's bytes, checked, when its links must be
// followed (nil for a leaf it need not read). An identity CID is not
// visited: its block is in the CID, whose links are followed.
//
// When visit returns an error, skip (if set) says whether to go on without
// that block's children (the error is then dropped) or to stop with it.
func walkContent(ctx context.Context, root cid.Cid, seen map[cid.Cid]bool, visit func(cid.Cid) ([]byte, error), skip func(cid.Cid, error) bool) error {
	stack := []cid.Cid{root}
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[c] {
			continue
		}
		seen[c] = true
		data, inCID := identity(c)
		if !inCID {
			var err error
			if data, err = visit(c); err != nil {
				if skip != nil && skip(c, err) {
					continue
				}
				return err
			}
		}
		if leaf(c) {
			continue
		}
		links, err := content.Links(c, data)
		if err != nil {
			return err
		}
		for i := len(links) - 1; i >= 0; i-- {
			if !seen[links[i]] {
				stack = append(stack, links[i])
			}
		}
	}
	return nil
}

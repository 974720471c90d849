package bundle

import (
	"context"
	"fmt"

	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/go-cid"
)

// contentLinks returns the CIDs a content block links to, in order: none for
// a raw block, the links of a dag-pb node. data must have been checked
// against c. Any other codec is not UnixFS content.
func contentLinks(c cid.Cid, data []byte) ([]cid.Cid, error) {
	switch c.Prefix().Codec {
	case cid.Raw:
		return nil, nil
	case cid.DagProtobuf:
		n, err := merkledag.DecodeProtobuf(data)
		if err != nil {
			return nil, fmt.Errorf("dag-pb node %s: %w", c, err)
		}
		out := make([]cid.Cid, len(n.Links()))
		for i, l := range n.Links() {
			out[i] = l.Cid
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s has codec 0x%x; UnixFS content is dag-pb and raw blocks only", c, c.Prefix().Codec)
}

// walkContent visits the content DAG under root depth first, each block once
// (seen is shared between calls), parents before children, links in order.
// visit returns the block's bytes, checked, when its links must be followed
// (nil for a raw block it need not read).
func walkContent(ctx context.Context, root cid.Cid, seen map[cid.Cid]bool, visit func(cid.Cid) ([]byte, error)) error {
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
		data, err := visit(c)
		if err != nil {
			return err
		}
		if c.Prefix().Codec == cid.Raw {
			continue
		}
		links, err := contentLinks(c, data)
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

package dagstream

import (
	"context"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// Missing walks from roots through the blocks get finds and returns the
// frontier: the CIDs, in walk order, that get does not have (its error
// satisfies ipld.IsNotFound) and whose parents it has. Fetching them as roots
// completes the DAG. Any other error of get stops the walk. Every local block
// of the DAG is read, so a complete DAG costs a full local walk.
func Missing(ctx context.Context, roots []cid.Cid, get func(cid.Cid) (blocks.Block, error)) ([]cid.Cid, error) {
	var out []cid.Cid
	w := newWalk(roots)
	for c, ok := w.next(); ok; c, ok = w.next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := get(c)
		if ipld.IsNotFound(err) {
			out = append(out, c)
			continue
		}
		if err != nil {
			return nil, err
		}
		children, err := Links(c, b.RawData())
		if err != nil {
			return nil, err
		}
		if err := w.push(children); err != nil {
			return nil, err
		}
	}
	return out, nil
}

package dagstream

import (
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag/content"
)

// Links returns the children of block c, in walk order (content.Links):
// both sides of a transfer walk with it, so they agree on the order. A
// codec it cannot follow is ErrUnsupported, bytes that do not decode
// ErrUnexpected.
func Links(c cid.Cid, data []byte) ([]cid.Cid, error) {
	out, err := content.Links(c, data)
	if err != nil {
		switch c.Prefix().Codec {
		case cid.DagProtobuf, cid.DagCBOR, cid.DagJSON:
			return nil, fmt.Errorf("%w: %w", ErrUnexpected, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return out, nil
}

// walk is a depth-first pre-order walk in which each CID comes once: the
// order in which the server sends and the client expects blocks.
type walk struct {
	stack []entry // next on top
	seen  map[cid.Cid]bool
	depth int // of the CID next returned last
}

type entry struct {
	c     cid.Cid
	depth int
}

func newWalk(roots []cid.Cid) *walk {
	w := &walk{seen: map[cid.Cid]bool{}, depth: -1}
	w.push(roots)
	return w
}

// next pops the next CID not yet visited; false when the walk is over.
func (w *walk) next() (cid.Cid, bool) {
	for len(w.stack) > 0 {
		e := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		if !w.seen[e.c] {
			w.seen[e.c] = true
			w.depth = e.depth
			return e.c, true
		}
	}
	return cid.Undef, false
}

// push schedules the children of the CID next returned last (or the roots,
// at depth 0) so that the first of them comes next. It fails with
// ErrTooDeep when the children would be deeper than MaxDepth.
func (w *walk) push(children []cid.Cid) error {
	d := w.depth + 1
	if d > MaxDepth && len(children) > 0 {
		return fmt.Errorf("%w: %d levels below a root, more than %d", ErrTooDeep, d, MaxDepth)
	}
	for i := len(children) - 1; i >= 0; i-- {
		if !w.seen[children[i]] {
			w.stack = append(w.stack, entry{children[i], d})
		}
	}
	return nil
}

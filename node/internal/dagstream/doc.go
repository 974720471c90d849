// Package dagstream implements /cairn/car/1.0.0, the whole-DAG transfer: a
// node asks a peer for one or more roots and the peer streams every block
// below them, in depth-first pre-order and each block once, framed as the
// blocks of a CARv1 (docs/protocols.md §5).
//
// The receiver trusts nothing it is sent: it knows which CID must come next
// from the blocks it already checked (a root, or the next link of a checked
// parent), and it refuses any block whose CID is not that one or whose bytes
// do not hash to it. So a peer can only send the requested DAG, in order, or
// stop; what arrived before a stop is good and kept, and Missing tells which
// subtrees to ask for next time.
//
// Serving:
//
//	dagstream.Serve(h, store.Blockstore())
//
// Fetching the DAG below root from peer p, resuming from what is local:
//
//	roots, err := dagstream.Missing(ctx, []cid.Cid{root}, bs.Get)
//	if err != nil { ... }
//	err = dagstream.Fetch(ctx, h, p, roots, func(b blocks.Block) error {
//		return bs.Put(ctx, b)
//	}, nil)
package dagstream

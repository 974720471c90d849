// Package lookup holds Cairn's index lookups between peers: stream protocols
// that ask a peer what its indexes say, so a node can find what it cannot
// find by hash alone.
//
//   - /cairn/referrers/1.0.0: the nodes that name a CID as their subject (a
//     package's metadata sets, and their signatures), two levels deep.
//
// Each protocol bounds what it reads and sends, sets deadlines and resets the
// stream on error; docs/protocols.md specifies the bytes.
//
//	lookup.ServeReferrers(h, index)              // answer peers
//	refs, err := lookup.AskReferrers(ctx, h, p, c)
package lookup

package dagstream

import (
	"context"
	"fmt"
	"sync"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
)

// FetchNodes gets the single blocks cs (small nodes: log entries,
// signatures, metadata sets) in one request to a peer, through fetch (Fetch
// bound to a host and peer, or anything that walks as it does), each block
// checked against its CID. A block that is not one of cs (the content below
// a package named among them) ends the transfer with ErrNotAsked, so a
// peer can never send more than what was asked for. It returns the blocks
// that arrived, error or not: a peer that lacks one ends the stream early
// (ErrIncomplete), and the caller gets the others elsewhere.
//
// It is one round trip, where bitswap needs a want-have, a want-block and
// the delay its message queue keeps between two messages to a peer (20 ms).
func FetchNodes(ctx context.Context, cs []cid.Cid, fetch func(ctx context.Context, roots []cid.Cid, put func(blocks.Block) error) error) (map[cid.Cid][]byte, error) {
	asked := make(map[cid.Cid]bool, len(cs))
	for _, c := range cs {
		asked[c] = true
	}
	var (
		mu  sync.Mutex
		out = make(map[cid.Cid][]byte, len(cs))
	)
	err := fetch(ctx, cs, func(b blocks.Block) error {
		if !asked[b.Cid()] {
			return fmt.Errorf("%w: %s", ErrNotAsked, b.Cid())
		}
		mu.Lock()
		out[b.Cid()] = b.RawData()
		mu.Unlock()
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	return out, err
}

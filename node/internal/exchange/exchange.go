package exchange

import (
	"context"
	"errors"
	"sync"

	"github.com/ipfs/boxo/bitswap"
	"github.com/ipfs/boxo/bitswap/network/bsnet"
	bstore "github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/exchange"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/routing"
)

// Exchange is bitswap client and server on one host.
type Exchange struct {
	bs *bitswap.Bitswap

	closeOnce sync.Once
	closeErr  error
}

// New starts bitswap on h. Providers are found through finder (the DHT);
// blocks are served from store, which need not check them against their CIDs:
// a bitswap message carries a block's CID prefix and bytes, never its hash, so
// every receiver hashes the bytes to learn which CID they are, and bytes that a
// damaged disk changed match no want.
func New(ctx context.Context, h host.Host, finder routing.ContentDiscovery, store bstore.Blockstore) *Exchange {
	net := bsnet.NewFromIpfsHost(h)
	bs := bitswap.New(ctx, net, finder, readOnly{store})
	return &Exchange{bs: bs}
}

// NewSession starts a bitswap session: wants go first to the peers that had
// earlier blocks of the same session, as a fetch of one DAG wants.
func (x *Exchange) NewSession(ctx context.Context) exchange.Fetcher {
	return x.bs.NewSession(ctx)
}

// Blocks returns bitswap as an exchange for a blockservice: blocks it
// fetches are written to that blockservice's blockstore (a fetch's
// transaction), not to the store bitswap serves from.
func (x *Exchange) Blocks() exchange.Interface { return x.bs }

// Stat returns bitswap's counters (blocks and bytes received and sent).
func (x *Exchange) Stat() (*bitswap.Stat, error) { return x.bs.Stat() }

// Close stops bitswap. It is idempotent.
func (x *Exchange) Close() error {
	x.closeOnce.Do(func() { x.closeErr = x.bs.Close() })
	return x.closeErr
}

// readOnly is the blockstore bitswap sees: reads go to the store; writes (of
// blocks bitswap receives) are dropped, because the fetch that wanted them
// writes them itself, inside its transaction.
type readOnly struct{ bstore.Blockstore }

func (readOnly) Put(context.Context, blocks.Block) error       { return nil }
func (readOnly) PutMany(context.Context, []blocks.Block) error { return nil }
func (readOnly) DeleteBlock(context.Context, cid.Cid) error {
	return errors.New("exchange: blockstore is read-only")
}

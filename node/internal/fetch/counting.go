package fetch

import (
	"context"
	"sync/atomic"

	bstore "github.com/ipfs/boxo/blockstore"
	blocks "github.com/ipfs/go-block-format"
)

// countingBlockstore counts the blocks and bytes a fetch writes, and
// refuses a write that limit (if set) refuses: told the bytes written so
// far and those about to be.
type countingBlockstore struct {
	bstore.Blockstore
	blocks, bytes atomic.Int64
	limit         func(written, n uint64) error
}

func (c *countingBlockstore) Put(ctx context.Context, b blocks.Block) error {
	return c.PutMany(ctx, []blocks.Block{b})
}

func (c *countingBlockstore) PutMany(ctx context.Context, bs []blocks.Block) error {
	if c.limit != nil {
		var n uint64
		for _, b := range bs {
			n += uint64(len(b.RawData()))
		}
		if err := c.limit(uint64(c.bytes.Load()), n); err != nil {
			return err
		}
	}
	if err := c.Blockstore.PutMany(ctx, bs); err != nil {
		return err
	}
	for _, b := range bs {
		c.blocks.Add(1)
		c.bytes.Add(int64(len(b.RawData())))
	}
	return nil
}

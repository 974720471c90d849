package node

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
	bstore "github.com/ipfs/boxo/blockstore"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
)

// countingBlockstore counts the blocks and bytes a fetch writes.
type countingBlockstore struct {
	bstore.Blockstore
	blocks, bytes atomic.Int64
}

func (c *countingBlockstore) Put(ctx context.Context, b blocks.Block) error {
	return c.PutMany(ctx, []blocks.Block{b})
}

func (c *countingBlockstore) PutMany(ctx context.Context, bs []blocks.Block) error {
	if err := c.Blockstore.PutMany(ctx, bs); err != nil {
		return err
	}
	for _, b := range bs {
		c.blocks.Add(1)
		c.bytes.Add(int64(len(b.RawData())))
	}
	return nil
}

// txSource lets sign.Verify see a fetch's transaction: its blocks are in the
// store already (journalled), its referrers not until Commit.
type txSource struct {
	s  *store.Store
	tx *store.Txn
}

func (t txSource) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	b, err := t.s.RawBlock(ctx, c)
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: %s", sign.ErrNotFound, c)
	}
	return b, err
}

func (t txSource) Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error) {
	refs, err := t.s.Referrers(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, r := range t.tx.PendingReferrers(c) {
		if !slices.ContainsFunc(refs, r.Equals) {
			refs = append(refs, r)
		}
	}
	return refs, nil
}

// Equivocations lets sign.Verify see the proofs the store holds.
func (s txSource) Equivocations(ctx context.Context, pol *sign.Policy, name dag.Name, version string) ([]sign.Equivocation, error) {
	return equivocationsIn(ctx, s.s, dag.Ref{Name: name, Version: version}, pol)
}

var _ sign.EquivocationSource = txSource{}

package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync/atomic"

	bstore "github.com/ipfs/boxo/blockstore"
	dshelp "github.com/ipfs/boxo/datastore/dshelp"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/cairnpkg/cairn/node/internal/badgerds"
)

// blockStore holds blocks in two places (docs/repo.md §4): small ones in
// badger under boxo's /blocks/<multihash> keys, large ones in pack files,
// found through the index /cairn/packed/<multihash>. It returns blocks as
// stored, unchecked; verifying wraps it.
type blockStore struct {
	small bstore.Blockstore // boxo's blockstore over the same datastore
	ds    *badgerds.Datastore
	dir   string // the store directory; "" in memory, where nothing is packed

	threshold int // PackThreshold, but for benchmarks

	// active is the running Txn's pack writer, whose buffered bytes a read
	// must flush first.
	active atomic.Pointer[packWriter]
}

var _ bstore.Blockstore = (*blockStore)(nil)

func newBlockStore(d *badgerds.Datastore, dir string) *blockStore {
	return &blockStore{small: bstore.NewBlockstore(d), ds: d, dir: dir, threshold: PackThreshold}
}

func packedKey(c cid.Cid) ds.Key { return packedPrefix.Child(dshelp.MultihashToDsKey(c.Hash())) }

// packs reports whether b belongs in a pack file.
func (b *blockStore) packs(size int) bool { return b.dir != "" && size >= b.threshold }

func (b *blockStore) Has(ctx context.Context, c cid.Cid) (bool, error) {
	if !c.Defined() {
		return false, nil
	}
	ok, err := b.small.Has(ctx, c)
	if err != nil || ok {
		return ok, err
	}
	return b.ds.Has(ctx, packedKey(c))
}

// loc returns where the packed block c is; ipld.ErrNotFound if it is not packed.
func (b *blockStore) loc(ctx context.Context, c cid.Cid) (packLoc, error) {
	if !c.Defined() {
		return packLoc{}, ipld.ErrNotFound{Cid: c}
	}
	v, err := b.ds.Get(ctx, packedKey(c))
	if errors.Is(err, ds.ErrNotFound) {
		return packLoc{}, ipld.ErrNotFound{Cid: c}
	}
	if err != nil {
		return packLoc{}, err
	}
	l, err := parsePackLoc(v)
	if err != nil {
		return packLoc{}, fmt.Errorf("block %s: %w", c, err)
	}
	return l, nil
}

func (b *blockStore) Get(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	data, err := b.read(ctx, c, nil)
	if err != nil {
		return nil, err
	}
	return blocks.NewBlockWithCid(data, c)
}

// read returns the bytes of block c, unchecked: a packed block's are read
// into buf if it is large enough (so they alias it), a small block's are
// badger's copy.
func (b *blockStore) read(ctx context.Context, c cid.Cid, buf []byte) ([]byte, error) {
	blk, err := b.small.Get(ctx, c)
	if err == nil {
		return blk.RawData(), nil
	}
	if !ipld.IsNotFound(err) {
		return nil, err
	}
	l, err := b.loc(ctx, c)
	if err != nil {
		return nil, err
	}
	if w := b.active.Load(); w != nil && w.id == l.pack {
		if err := w.flushTo(l.offset + l.length); err != nil {
			return nil, err
		}
	}
	data, err := readPackInto(b.dir, l, buf)
	if errors.Is(err, fs.ErrNotExist) {
		// A collection moved the block to another pack and removed this
		// one between the lookup and the read: look again, once.
		if l2, lerr := b.loc(ctx, c); lerr == nil && l2 != l {
			data, err = readPackInto(b.dir, l2, buf)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("block %s: %w", c, err)
	}
	return data, nil
}

func (b *blockStore) GetSize(ctx context.Context, c cid.Cid) (int, error) {
	n, err := b.small.GetSize(ctx, c)
	if !ipld.IsNotFound(err) {
		return n, err
	}
	l, err := b.loc(ctx, c)
	if err != nil {
		return -1, err
	}
	return int(l.length), nil
}

// Put and PutMany write every block to badger; only a Txn packs blocks
// (putMany with its pack writer).
func (b *blockStore) Put(ctx context.Context, blk blocks.Block) error {
	return b.small.Put(ctx, blk)
}

func (b *blockStore) PutMany(ctx context.Context, bs []blocks.Block) error {
	return b.small.PutMany(ctx, bs)
}

// putMany writes the blocks of at least PackThreshold bytes to w and their
// index entries to badger, and the others to badger.
func (b *blockStore) putMany(ctx context.Context, bs []blocks.Block, w *packWriter) error {
	small := make([]blocks.Block, 0, len(bs))
	var index ds.Batch
	for _, blk := range bs {
		if !b.packs(len(blk.RawData())) {
			small = append(small, blk)
			continue
		}
		l, err := w.append(blk.RawData())
		if err != nil {
			return err
		}
		if index == nil {
			if index, err = b.ds.Batch(ctx); err != nil {
				return err
			}
		}
		if err := index.Put(ctx, packedKey(blk.Cid()), l.bytes()); err != nil {
			return err
		}
	}
	if index != nil {
		if err := index.Commit(ctx); err != nil {
			return err
		}
	}
	if len(small) == 0 {
		return nil
	}
	return b.small.PutMany(ctx, small)
}

// DeleteBlock deletes c's badger entry and index entry. The bytes of a packed
// block stay in its pack file (nothing reclaims them yet).
func (b *blockStore) DeleteBlock(ctx context.Context, c cid.Cid) error {
	if err := b.small.DeleteBlock(ctx, c); err != nil && !ipld.IsNotFound(err) {
		return err
	}
	if !c.Defined() {
		return nil
	}
	return b.ds.Delete(ctx, packedKey(c))
}

// AllKeysChan yields the CIDs (raw codec) of the blocks in badger, then those
// of the packed blocks.
func (b *blockStore) AllKeysChan(ctx context.Context) (<-chan cid.Cid, error) {
	small, err := b.small.AllKeysChan(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan cid.Cid, query.KeysOnlyBufSize)
	go func() {
		defer close(out)
		for c := range small {
			select {
			case out <- c:
			case <-ctx.Done():
				return
			}
		}
		res, err := b.ds.Query(ctx, query.Query{Prefix: packedPrefix.String() + "/", KeysOnly: true})
		if err != nil {
			return
		}
		defer res.Close()
		for r := range res.Next() {
			if r.Error != nil {
				return
			}
			mh, err := dshelp.DsKeyToMultihash(ds.NewKey(ds.RawKey(r.Key).BaseNamespace()))
			if err != nil {
				continue // not a block key: no block to list
			}
			select {
			case out <- cid.NewCidV1(cid.Raw, mh):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

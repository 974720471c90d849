package badgerds

import (
	"context"
	"sync"

	ds "github.com/ipfs/go-datastore"
)

// Batch implements datastore.Batch: writes are buffered and applied by
// Commit, through a badger WriteBatch.
//
// A batch of any size works, in bounded memory: once the buffered keys and
// values reach Options.BatchFlushBytes, they are written to badger before
// Commit. So a batch is invisible to readers until Commit only while it stays
// under that size, and it is NOT atomic: badger applies a WriteBatch in
// several internal transactions, so after a crash a part of the batch may be
// stored. Use a Txn
// (NewTransaction) when all-or-nothing matters; it is atomic but limited to
// Options.MaxTxnBytes.
//
// Writes apply in the order they were made, so a Delete followed by a Put of
// the same key leaves the key present. Values passed to Put must not be
// modified until Commit returns. A batch that is never committed is dropped
// (beyond what was flushed). After Commit the batch may be reused. A Batch is
// safe for concurrent use.
type Batch struct {
	d *Datastore

	mu      sync.Mutex
	ops     []batchOp
	pending int64 // bytes of keys and values in ops
}

// batchOp is one buffered write; a nil value with del set is a removal.
type batchOp struct {
	key   []byte
	value []byte
	del   bool
}

var _ ds.Batch = (*Batch)(nil)

// Batch returns a new, empty batch.
func (d *Datastore) Batch(ctx context.Context) (ds.Batch, error) {
	if err := d.checkOpen(); err != nil {
		return nil, err
	}
	return &Batch{d: d}, nil
}

// Put adds a write of value under key.
func (b *Batch) Put(ctx context.Context, key ds.Key, value []byte) error {
	if err := b.d.checkValue("batch put", value); err != nil {
		return err
	}
	return b.add(batchOp{key: key.Bytes(), value: value})
}

// Delete adds a removal of key.
func (b *Batch) Delete(ctx context.Context, key ds.Key) error {
	return b.add(batchOp{key: key.Bytes(), del: true})
}

// Commit writes everything buffered and waits until badger has applied it.
func (b *Batch) Commit(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked("batch commit")
}

// add buffers op, flushing the buffer once it holds BatchFlushBytes.
func (b *Batch) add(op batchOp) error {
	if err := b.d.checkOpen(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ops = append(b.ops, op)
	b.pending += int64(len(op.key) + len(op.value))
	if b.pending >= b.d.opts.BatchFlushBytes {
		return b.flushLocked("batch flush")
	}
	return nil
}

// flushLocked applies the buffered writes with a badger WriteBatch, which
// commits in as many transactions as badger's limits need, and empties the
// buffer whether or not that worked.
func (b *Batch) flushLocked(name string) error {
	end, err := b.d.begin()
	if err != nil {
		return err
	}
	defer end()
	ops, size := b.ops, b.pending
	b.ops, b.pending = nil, 0
	if len(ops) == 0 {
		return nil
	}
	wb := b.d.db.NewWriteBatch()
	for _, op := range ops {
		if op.del {
			err = wb.Delete(op.key)
		} else {
			err = wb.Set(op.key, op.value)
		}
		if err != nil {
			wb.Cancel()
			return wrapErr(name, err)
		}
	}
	b.d.mapMu.RLock()
	err = wb.Flush()
	b.d.mapMu.RUnlock()
	if err != nil {
		return wrapErr(name, err)
	}
	b.d.moved(int(size))
	return nil
}

package badgerds

import (
	"context"
	"sync"

	badger "github.com/dgraph-io/badger/v4"
	ds "github.com/ipfs/go-datastore"
)

// Batch implements datastore.Batch over a badger WriteBatch.
//
// A batch of any size works, in bounded memory: once the buffered keys and
// values reach Options.BatchFlushBytes they are written to badger, and badger
// itself commits a WriteBatch in several internal transactions when it grows
// past its own limits. Therefore a Batch is NOT atomic: on a crash, or when
// the datastore closes before Commit, a prefix of its writes may be stored.
// Use a Txn (NewTransaction) when all-or-nothing matters; it is atomic, but
// limited to Options.MaxTxnBytes.
//
// Operations apply in the order they were made, so a Delete followed by a Put
// of the same key leaves the key present. Values passed to Put must not be
// modified until Commit returns. After Commit the Batch may be reused.
type Batch struct {
	d *Datastore

	mu      sync.Mutex
	wb      *badger.WriteBatch // nil until the first write after a commit
	id      uint64             // registration of wb in d.open
	pending int64              // bytes written to wb since it was flushed
}

var _ ds.Batch = (*Batch)(nil)

// Batch returns a new, empty batch.
func (d *Datastore) Batch(ctx context.Context) (ds.Batch, error) {
	end, err := d.begin()
	if err != nil {
		return nil, err
	}
	end()
	return &Batch{d: d}, nil
}

// Put adds a write of value under key.
func (b *Batch) Put(ctx context.Context, key ds.Key, value []byte) error {
	return b.write("batch put", int64(len(key.String())+len(value)), func(wb *badger.WriteBatch) error {
		return wb.Set(key.Bytes(), value)
	})
}

// Delete adds a removal of key.
func (b *Batch) Delete(ctx context.Context, key ds.Key) error {
	return b.write("batch delete", int64(len(key.String())), func(wb *badger.WriteBatch) error {
		return wb.Delete(key.Bytes())
	})
}

// Commit writes everything still buffered and waits until badger has applied
// all of the batch's writes.
func (b *Batch) Commit(ctx context.Context) error {
	end, err := b.d.begin()
	if err != nil {
		return err
	}
	defer end()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked("batch commit")
}

// write applies op to the current WriteBatch, then flushes it once the batch
// holds BatchFlushBytes.
func (b *Batch) write(name string, size int64, op func(wb *badger.WriteBatch) error) error {
	end, err := b.d.begin()
	if err != nil {
		return err
	}
	defer end()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.wb == nil {
		b.wb = b.d.db.NewWriteBatch()
		b.id = b.d.open.add(b.abort)
	}
	if err := op(b.wb); err != nil {
		return wrapErr(name, err)
	}
	b.pending += size
	if b.pending >= b.d.opts.BatchFlushBytes {
		return b.flushLocked(name)
	}
	return nil
}

// flushLocked waits for the current WriteBatch to be applied and forgets it,
// so the next write starts a fresh one. The caller holds b.mu and the
// datastore's shared lock.
func (b *Batch) flushLocked(name string) error {
	if b.wb == nil {
		return nil
	}
	err := b.wb.Flush()
	b.d.open.remove(b.id)
	b.wb, b.pending = nil, 0
	return wrapErr(name, err)
}

// abort is called by Datastore.Close: it drops the writes not yet handed to
// badger and releases the WriteBatch's transaction.
func (b *Batch) abort() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.wb != nil {
		b.wb.Cancel()
		b.wb, b.pending = nil, 0
	}
}

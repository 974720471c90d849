package badgerds

import (
	"context"
	"fmt"
	"sync"

	badger "github.com/dgraph-io/badger/v4"
	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"
)

// Txn implements datastore.Txn over a badger transaction: reads see the
// database as of NewTransaction plus the transaction's own writes, and Commit
// applies all writes atomically or none. Commit fails with an error wrapping
// badger.ErrConflict if another transaction changed a key this one read.
//
// Pending writes are held in memory until Commit, so a transaction is capped
// at Options.MaxTxnBytes of keys and values (and at badger's own limit); a
// write past the cap fails with an error wrapping ErrTxnTooBig and leaves the
// transaction usable. Values passed to Put must not be modified until Commit
// returns. Query results opened on the transaction end when it commits or is
// discarded. A Txn is safe for concurrent use.
type Txn struct {
	d        *Datastore
	readOnly bool

	// mu guards the fields below and the iterators of the transaction's
	// queries (badger transactions are not safe for concurrent use).
	mu      sync.Mutex
	txn     *badger.Txn
	done    bool
	id      uint64 // registration in d.open
	size    int64  // bytes of keys and values written so far
	queries map[*queryIter]struct{}
}

var _ ds.Txn = (*Txn)(nil)

// NewTransaction starts a transaction. A read-only transaction rejects writes
// with an error wrapping badger.ErrReadOnlyTxn.
func (d *Datastore) NewTransaction(ctx context.Context, readOnly bool) (ds.Txn, error) {
	end, err := d.begin()
	if err != nil {
		return nil, err
	}
	defer end()
	t := &Txn{d: d, readOnly: readOnly, txn: d.db.NewTransaction(!readOnly)}
	t.id = d.open.add(t.abort)
	return t, nil
}

// Get returns a copy of the value under key as this transaction sees it.
func (t *Txn) Get(ctx context.Context, key ds.Key) (value []byte, err error) {
	err = t.run(func() (err error) {
		value, err = getValue(t.txn, key)
		t.d.moved(len(value))
		return err
	})
	return value, err
}

// Has reports whether key is present as this transaction sees it.
func (t *Txn) Has(ctx context.Context, key ds.Key) (ok bool, err error) {
	err = t.run(func() (err error) {
		ok, err = hasKey(t.txn, key)
		t.d.moved(0)
		return err
	})
	return ok, err
}

// GetSize returns the exact size of the value under key without copying it.
func (t *Txn) GetSize(ctx context.Context, key ds.Key) (size int, err error) {
	size = -1
	err = t.run(func() (err error) {
		size, err = valueSize(t.txn, key)
		t.d.moved(0)
		return err
	})
	return size, err
}

// Put records a write of value under key.
func (t *Txn) Put(ctx context.Context, key ds.Key, value []byte) error {
	if err := t.d.checkValue("txn put", value); err != nil {
		return err
	}
	return t.write("txn put", int64(len(key.String())+len(value)), func() error {
		return t.txn.Set(key.Bytes(), value)
	})
}

// Delete records the removal of key.
func (t *Txn) Delete(ctx context.Context, key ds.Key) error {
	return t.write("txn delete", int64(len(key.String())), func() error {
		return t.txn.Delete(key.Bytes())
	})
}

// Query runs q against the transaction's view, including its own writes made
// before the call. The results end when the transaction does.
func (t *Txn) Query(ctx context.Context, q query.Query) (query.Results, error) {
	var it *queryIter
	err := t.run(func() error {
		it = newQueryIter(ctx, t.d, &t.mu, t.txn, q)
		if t.queries == nil {
			t.queries = make(map[*queryIter]struct{})
		}
		t.queries[it] = struct{}{}
		it.release = func() { delete(t.queries, it) }
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Outside t.run: an order that is not pushed down reads all results
	// right away, and reading takes the locks t.run holds.
	return it.results(), nil
}

// Commit applies the transaction's writes atomically. The transaction is
// finished afterwards, whether Commit succeeded or not.
func (t *Txn) Commit(ctx context.Context) error {
	end, err := t.d.begin()
	if err != nil {
		return err
	}
	defer end()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return wrapErr("txn commit", badger.ErrDiscardedTxn)
	}
	t.finishLocked(fmt.Errorf("badgerds: query: transaction committed: %w", badger.ErrDiscardedTxn))
	t.d.mapMu.RLock()
	err = t.txn.Commit()
	t.d.mapMu.RUnlock()
	if err != nil {
		return wrapErr("txn commit", err)
	}
	t.d.moved(int(t.size))
	return nil
}

// Discard drops the transaction's writes. It is a no-op after Commit or
// Discard, so it is safe to defer.
func (t *Txn) Discard(ctx context.Context) {
	end, err := t.d.begin()
	if err != nil {
		return // Close already discarded it
	}
	defer end()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return
	}
	t.finishLocked(fmt.Errorf("badgerds: query: transaction discarded: %w", badger.ErrDiscardedTxn))
	t.txn.Discard()
}

// abort is called by Datastore.Close.
func (t *Txn) abort() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return
	}
	t.finishLocked(fmt.Errorf("badgerds: query: %w", ErrClosed))
	t.txn.Discard()
}

// finishLocked marks the transaction done and ends its open queries with
// cause (badger panics when a transaction ends with an iterator open). The
// caller then commits or discards t.txn.
func (t *Txn) finishLocked(cause error) {
	t.done = true
	for it := range t.queries {
		it.abortLocked(cause)
	}
	t.queries = nil
	t.d.open.remove(t.id)
}

// run executes fn under the datastore's shared lock and the transaction's
// lock, after checking the transaction is still open.
func (t *Txn) run(fn func() error) error {
	end, err := t.d.begin()
	if err != nil {
		return err
	}
	defer end()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return wrapErr("txn", badger.ErrDiscardedTxn)
	}
	return fn()
}

// write is run for a write of size bytes, enforcing MaxTxnBytes first.
func (t *Txn) write(name string, size int64, fn func() error) error {
	return t.run(func() error {
		if t.readOnly {
			return wrapErr(name, badger.ErrReadOnlyTxn)
		}
		if t.size+size > t.d.opts.MaxTxnBytes {
			return fmt.Errorf("badgerds: %s: %w: %d pending bytes plus %d exceed the %d-byte limit",
				name, ErrTxnTooBig, t.size, size, t.d.opts.MaxTxnBytes)
		}
		if err := fn(); err != nil {
			return wrapErr(name, err)
		}
		t.size += size
		return nil
	})
}

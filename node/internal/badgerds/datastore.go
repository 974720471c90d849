package badgerds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	badger "github.com/dgraph-io/badger/v4"
	ds "github.com/ipfs/go-datastore"
)

var (
	_ ds.Datastore           = (*Datastore)(nil)
	_ ds.Batching            = (*Datastore)(nil)
	_ ds.TxnDatastore        = (*Datastore)(nil)
	_ ds.PersistentDatastore = (*Datastore)(nil)
	_ ds.CheckedDatastore    = (*Datastore)(nil)
	_ ds.GCDatastore         = (*Datastore)(nil)
	_ io.Closer              = (*Datastore)(nil)
)

// Datastore is a go-datastore over one badger database. It is safe for
// concurrent use. Close it when done; every method returns ErrClosed after.
type Datastore struct {
	db   *badger.DB
	opts Options

	// mu is held shared by every operation that touches db and exclusively
	// by Close, so db is never closed under a running operation.
	mu     sync.RWMutex
	closed bool

	open    openSet
	release *releaser // nil in memory or when disabled
	// mapMu is held shared by every badger call that can write the value log
	// (and so grow, rotate or remap its files) and exclusively by what
	// unmaps them (value log GC, Close) and by the releaser, which may then
	// MADV_DONTNEED the value log's mappings knowing they stay put.
	mapMu sync.RWMutex

	closeOnce sync.Once
	closeErr  error
}

// New validates o and opens (or creates) the database it describes.
func New(o Options) (*Datastore, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if !o.InMemory {
		if err := removeEmptyLogs(o.Dir); err != nil {
			return nil, wrapErr("open", err)
		}
	}
	db, err := badger.Open(o.badgerOptions())
	if err != nil {
		return nil, wrapErr("open", err)
	}
	d := &Datastore{db: db, opts: o}
	if !o.InMemory {
		d.release = newReleaser(o.Dir, o.ReleaseMappedBytes)
	}
	if d.release != nil {
		go d.releaseLoop(d.release)
	}
	return d, nil
}

// begin takes the shared lock for one operation. It fails with ErrClosed once
// Close has started; on success the caller must call the returned func.
func (d *Datastore) begin() (end func(), err error) {
	d.mu.RLock()
	if d.closed {
		d.mu.RUnlock()
		return nil, ErrClosed
	}
	return d.mu.RUnlock, nil
}

// checkOpen fails with ErrClosed once Close has started.
func (d *Datastore) checkOpen() error {
	end, err := d.begin()
	if err != nil {
		return err
	}
	end()
	return nil
}

// checkValue fails with ErrValueTooLarge if badger cannot store value.
func (d *Datastore) checkValue(op string, value []byte) error {
	if limit := d.opts.maxValueSize(); int64(len(value)) > limit {
		return fmt.Errorf("badgerds: %s: %w: %d bytes, limit %d", op, ErrValueTooLarge, len(value), limit)
	}
	return nil
}

// Get returns a copy of the value stored under key, or datastore.ErrNotFound.
func (d *Datastore) Get(ctx context.Context, key ds.Key) ([]byte, error) {
	var value []byte
	err := d.view(func(txn *badger.Txn) (err error) {
		value, err = getValue(txn, key)
		d.moved(len(value))
		return err
	})
	return value, err
}

// Has reports whether key is present without reading its value.
func (d *Datastore) Has(ctx context.Context, key ds.Key) (bool, error) {
	var ok bool
	err := d.view(func(txn *badger.Txn) (err error) {
		ok, err = hasKey(txn, key)
		d.moved(0)
		return err
	})
	return ok, err
}

// GetSize returns the exact length of the value under key without copying
// it, or -1 and datastore.ErrNotFound.
func (d *Datastore) GetSize(ctx context.Context, key ds.Key) (int, error) {
	size := -1
	err := d.view(func(txn *badger.Txn) (err error) {
		size, err = valueSize(txn, key)
		d.moved(0)
		return err
	})
	return size, err
}

// Put stores value under key in its own transaction. Badger writes value
// before Put returns; the caller may reuse the slice afterwards.
func (d *Datastore) Put(ctx context.Context, key ds.Key, value []byte) error {
	if err := d.checkValue("put", value); err != nil {
		return err
	}
	return d.update("put", len(value), func(txn *badger.Txn) error {
		return txn.Set(key.Bytes(), value)
	})
}

// Delete removes key. Deleting a missing key is not an error.
func (d *Datastore) Delete(ctx context.Context, key ds.Key) error {
	return d.update("delete", 0, func(txn *badger.Txn) error {
		return txn.Delete(key.Bytes())
	})
}

// Sync flushes badger's write-ahead and value logs to disk (fsync). Badger
// cannot sync part of the key space, so prefix is ignored and everything
// written so far is made durable. It is a no-op in memory.
//
// Badger's own Sync covers only the value log file being written; with
// SyncWrites off it never syncs a value log file when it moves on to the next.
// So Sync also fsyncs every value log file: those without dirty pages cost
// one system call each.
func (d *Datastore) Sync(ctx context.Context, prefix ds.Key) error {
	end, err := d.begin()
	if err != nil {
		return err
	}
	defer end()
	if d.opts.InMemory {
		return nil
	}
	if err := syncValueLogs(d.opts.Dir); err != nil {
		return wrapErr("sync", err)
	}
	return wrapErr("sync", d.db.Sync())
}

// syncValueLogs fsyncs every value log file in dir. A file that vanishes
// meanwhile (value log GC deleted it) needs no sync.
func syncValueLogs(dir string) error {
	names, err := filepath.Glob(filepath.Join(dir, "*.vlog"))
	if err != nil {
		return err
	}
	for _, name := range names {
		f, err := os.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// Close waits for running operations (a batch flush included), ends the
// transactions and query results still open, then closes the database. Later
// use of the datastore or of anything it handed out returns ErrClosed (query
// results end with an error wrapping it); writes of uncommitted transactions
// and batches are dropped. Close is safe to call more than once and from
// several goroutines; every call returns the result of the first.
func (d *Datastore) Close() error {
	d.closeOnce.Do(func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.closed = true
		if d.release != nil {
			close(d.release.stop)
		}
		d.open.abortAll()
		d.mapMu.Lock() // closing unmaps the value log
		d.closeErr = wrapErr("close", d.db.Close())
		d.mapMu.Unlock()
	})
	return d.closeErr
}

// view runs fn in a read-only badger transaction.
func (d *Datastore) view(fn func(txn *badger.Txn) error) error {
	end, err := d.begin()
	if err != nil {
		return err
	}
	defer end()
	return d.db.View(fn)
}

// update runs fn, which writes size bytes of values, in a read-write badger
// transaction and commits it.
func (d *Datastore) update(op string, size int, fn func(txn *badger.Txn) error) error {
	end, err := d.begin()
	if err != nil {
		return err
	}
	defer end()
	d.mapMu.RLock()
	err = d.db.Update(fn)
	d.mapMu.RUnlock()
	if err != nil {
		return wrapErr(op, err)
	}
	d.moved(size)
	return nil
}

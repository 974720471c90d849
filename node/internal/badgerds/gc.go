package badgerds

import (
	"context"
	"errors"

	badger "github.com/dgraph-io/badger/v4"
)

// CollectGarbage reclaims value log space left by deleted and overwritten
// values: it rewrites value log files that are at least
// Options.GCDiscardRatio garbage, one file at a time, until badger finds none
// worth rewriting or ctx is done. Badger removes deleted keys from the LSM
// tree by itself during compaction; only the value log needs this. It is a
// no-op in memory and returns nil when another collection is running.
func (d *Datastore) CollectGarbage(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := d.gcOnce()
		switch {
		case err == nil:
			continue // a file was rewritten; there may be more
		case errors.Is(err, badger.ErrNoRewrite),
			errors.Is(err, badger.ErrRejected),
			errors.Is(err, badger.ErrGCInMemoryMode):
			return nil
		default:
			return wrapErr("collect garbage", err)
		}
	}
}

// gcOnce rewrites at most one value log file. Each round takes the shared
// lock on its own, so Close waits for at most one file rewrite.
func (d *Datastore) gcOnce() error {
	end, err := d.begin()
	if err != nil {
		return err
	}
	defer end()
	d.mapMu.Lock() // GC deletes value log files, unmapping them
	defer d.mapMu.Unlock()
	return d.db.RunValueLogGC(d.opts.GCDiscardRatio)
}

// Check verifies the checksums of every SSTable (keys and small values). It
// does not read the value log.
func (d *Datastore) Check(ctx context.Context) error {
	end, err := d.begin()
	if err != nil {
		return err
	}
	defer end()
	return wrapErr("check", d.db.VerifyChecksum())
}

package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	ds "github.com/ipfs/go-datastore"
)

// stagedPrefix holds the writes of a Txn too large for one badger
// transaction while it commits: /cairn/staged/<txn id>/<seq> -> the key's
// length (uvarint), the key, then the value.
var stagedPrefix = ds.NewKey("/cairn/staged")

func stagedKey(txn string, seq int) ds.Key {
	return stagedPrefix.ChildString(txn).ChildString(fmt.Sprintf("%09d", seq))
}

func encodeStaged(k ds.Key, v []byte) []byte {
	key := k.Bytes()
	b := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(key)+len(v)), uint64(len(key)))
	return append(append(b, key...), v...)
}

func decodeStaged(b []byte) (ds.Key, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return ds.Key{}, nil, errors.New("malformed staged write")
	}
	return ds.RawKey(string(b[w : w+int(n)])), b[w+int(n):], nil
}

// recorder is the commitOps of a staged commit: it reads the store and
// keeps the writes, in order, for commitStaged to stage.
type recorder struct {
	ds   ds.Read
	keys []ds.Key
	vals map[ds.Key][]byte
}

func (r *recorder) Get(ctx context.Context, k ds.Key) ([]byte, error) {
	if v, ok := r.vals[k]; ok {
		return v, nil
	}
	return r.ds.Get(ctx, k)
}

func (r *recorder) Has(ctx context.Context, k ds.Key) (bool, error) {
	if _, ok := r.vals[k]; ok {
		return true, nil
	}
	return r.ds.Has(ctx, k)
}

func (r *recorder) Put(_ context.Context, k ds.Key, v []byte) error {
	if _, ok := r.vals[k]; !ok {
		r.keys = append(r.keys, k)
	}
	r.vals[k] = v
	return nil
}

// commitStaged commits a Txn whose writes do not fit one badger transaction,
// in three steps, each synced:
//
//  1. its writes are staged under /cairn/staged/<txn id>, in batches;
//  2. the commit marker is written: the commit point, as in Commit;
//  3. the staged writes are applied to their keys, in batches, then deleted.
//
// A crash before the marker rolls the Txn back (rollback deletes the staged
// writes too); after it, the next Open applies them again before anything
// reads the store (recover). Readers in this process may see step 3 land a
// batch at a time, the names index last. The Txn holds the store's writer
// throughout, so no other Txn, collection or removal changes what
// writeCommit read; a collection refuses to start while staged writes are
// left (a failed step 3), since the pins they hold are not in place.
func (t *Txn) commitStaged(ctx context.Context) error {
	if err := t.stageWrites(ctx); err != nil {
		return err
	}
	if err := t.s.ds.Put(ctx, doneKey(t.id), nil); err != nil {
		return err
	}
	// Committed. Apply even if the sync fails: this process goes on reading
	// the store.
	err := t.s.Sync(ctx)
	if applyErr := t.s.applyStaged(ctx, t.id); err == nil {
		err = applyErr
	}
	t.finish()
	if err != nil {
		return fmt.Errorf("%w: applying the staged writes (the next open retries): %w", ErrAfterCommit, err)
	}
	return nil
}

// stageWrites is commitStaged's first step: it runs writeCommit on a
// recorder and writes what it recorded under /cairn/staged/<txn id>,
// durably.
func (t *Txn) stageWrites(ctx context.Context) error {
	rec := &recorder{ds: t.s.ds, vals: map[ds.Key][]byte{}}
	if err := t.writeCommit(ctx, rec); err != nil {
		return err
	}
	b, err := t.s.ds.Batch(ctx)
	if err != nil {
		return err
	}
	for i, k := range rec.keys {
		if err := b.Put(ctx, stagedKey(t.id, i), encodeStaged(k, rec.vals[k])); err != nil {
			return err
		}
	}
	if err := b.Commit(ctx); err != nil {
		return err
	}
	return t.s.Sync(ctx)
}

// applyStaged writes the staged writes of committed Txn id to their keys,
// syncs, then deletes them. It may run again after a crash: writing a staged
// write twice leaves the same value.
func (s *Store) applyStaged(ctx context.Context, id string) error {
	b, err := s.ds.Batch(ctx)
	if err != nil {
		return err
	}
	prefix := stagedPrefix.ChildString(id)
	err = s.each(ctx, prefix, func(sk ds.Key, v []byte) error {
		k, val, err := decodeStaged(v)
		if err != nil {
			return fmt.Errorf("%s: %w", sk, err)
		}
		return b.Put(ctx, k, val)
	})
	if err != nil {
		return err
	}
	if err := b.Commit(ctx); err != nil {
		return err
	}
	if err := s.Sync(ctx); err != nil {
		return err
	}
	return s.deleteStaged(ctx, id)
}

// deleteStaged deletes the staged writes of Txn id. Badger applies writes
// in order, so a later write (the deletion of the commit marker) never
// survives a crash that loses these deletions.
func (s *Store) deleteStaged(ctx context.Context, id string) error {
	b, err := s.ds.Batch(ctx)
	if err != nil {
		return err
	}
	err = forEachKey(ctx, s.ds, stagedPrefix.ChildString(id), func(k ds.Key) error { return b.Delete(ctx, k) })
	if err != nil {
		return err
	}
	return b.Commit(ctx)
}

// stagedLeft reports whether any staged writes are left in the store.
func (s *Store) stagedLeft(ctx context.Context) (bool, error) {
	return anyKey(ctx, s.ds, stagedPrefix)
}

package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"

	dshelp "github.com/ipfs/boxo/datastore/dshelp"
	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"
)

// Garbage collection (docs/repo.md §7): blocks no pin keeps are deleted, and
// pack files are rewritten or dropped once little of them is still
// indexed. It runs while the store is open and serving: the sweep holds the
// writer (no Txn runs meanwhile, so a block a running publish or fetch is
// writing is never collected: the collection waits for that Txn to end,
// and Txns that begin wait for the sweep); the pack compaction and
// badger's value-log collection run beside Txns.

// DefaultRewriteBelow is the live fraction under which a pack file is
// rewritten with only its live blocks.
const DefaultRewriteBelow = 0.5

// GCOptions configures GC.
type GCOptions struct {
	// RewriteBelow: a pack file whose indexed bytes are less than this
	// fraction of its size is rewritten; 0 is DefaultRewriteBelow.
	RewriteBelow float64
	// Progress, if set, is told what the collection is doing: phase is
	// "mark", "sweep" or "packs"; done counts blocks (mark, sweep) or
	// packs, total is 0 when unknown.
	Progress func(phase string, done, total int)
}

// GCStats says what a collection did.
type GCStats struct {
	// Kept counts the blocks the pins keep, KeptBytes their bytes;
	// Missing those of them the store lacks (repo verify says more).
	Kept      int    `json:"kept"`
	KeptBytes uint64 `json:"keptBytes"`
	Missing   int    `json:"missing,omitempty"`
	// Removed counts the blocks deleted, RemovedBytes their bytes.
	Removed      int    `json:"removed"`
	RemovedBytes uint64 `json:"removedBytes"`
	// PacksRewritten and PacksRemoved count pack files rewritten with their
	// live blocks only, and removed with none left; PackBytesFreed is how
	// much smaller the packs directory is.
	PacksRewritten int    `json:"packsRewritten"`
	PacksRemoved   int    `json:"packsRemoved"`
	PackBytesFreed uint64 `json:"packBytesFreed"`
}

// GC deletes every block that no pin keeps (Closure), then compacts the
// pack files and badger's value log. A crash at any point leaves a store
// that opens and has lost nothing a pin keeps: deleting an unkept block is
// always safe, and a pack is rewritten to a new file that only becomes the
// blocks' home, and the old one garbage, in one badger transaction
// (compactPack).
func (s *Store) GC(ctx context.Context, o GCOptions) (GCStats, error) {
	if o.RewriteBelow == 0 {
		o.RewriteBelow = DefaultRewriteBelow
	}
	if o.Progress == nil {
		o.Progress = func(string, int, int) {}
	}
	var st GCStats
	err := s.exclusive(ctx, func() error {
		// With the writer held no Txn is committing: staged writes left now
		// are a commit that failed half applied, whose pins are not all in
		// place (commitStaged).
		if left, err := s.stagedLeft(ctx); err != nil {
			return err
		} else if left {
			return errors.New("a large commit was left half applied (see the error it returned); reopen the repo to finish it before collecting")
		}
		return s.sweep(ctx, o, &st)
	})
	if err != nil {
		return st, err
	}
	if err := s.compactPacks(ctx, o, &st); err != nil {
		return st, err
	}
	if err := s.ds.CollectGarbage(ctx); err != nil {
		return st, err
	}
	return st, nil
}

// exclusive runs fn holding the writer: no Txn runs meanwhile.
func (s *Store) exclusive(ctx context.Context, fn func() error) error {
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.writer }()
	return fn()
}

// sweep marks what the pins keep, then deletes every other block: badger
// entries under /blocks/ and index entries under /cairn/packed/ (the bytes
// of packed blocks stay in their files until compactPacks).
func (s *Store) sweep(ctx context.Context, o GCOptions, st *GCStats) error {
	live := map[string]bool{}
	err := s.Closure(ctx, func(r Reach) error {
		if r.Err != nil && IsMissing(r.Err) {
			st.Missing++
			return nil
		}
		live[string(r.CID.Hash())] = true
		st.Kept++
		st.KeptBytes += r.Size
		if st.Kept%1000 == 0 {
			o.Progress("mark", st.Kept, 0)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark what the pins keep: %w", err)
	}
	o.Progress("mark", st.Kept, st.Kept)
	b, err := s.ds.Batch(ctx)
	if err != nil {
		return err
	}
	seen := 0
	err = s.eachBlock(ctx, func(k ds.Key, mh string, n uint64) error {
		seen++
		if seen%1000 == 0 {
			o.Progress("sweep", seen, 0)
		}
		if live[mh] {
			return nil
		}
		st.Removed++
		st.RemovedBytes += n
		return b.Delete(ctx, k)
	})
	if err != nil {
		return err
	}
	if err := b.Commit(ctx); err != nil {
		return err
	}
	o.Progress("sweep", seen, seen)
	return s.Sync(ctx)
}

// blocksPrefix is boxo's blockstore namespace, where small blocks are.
var blocksPrefix = ds.NewKey("/blocks")

// eachBlock calls fn for every stored block: its key (under /blocks/ or
// /cairn/packed/), its multihash (as a string) and its size. Keys are read
// first, so fn may delete (through a batch).
func (s *Store) eachBlock(ctx context.Context, fn func(k ds.Key, mh string, size uint64) error) error {
	type block struct {
		k    ds.Key
		mh   string
		size uint64
	}
	for _, prefix := range []ds.Key{blocksPrefix, packedPrefix} {
		packed := prefix == packedPrefix
		res, err := s.ds.Query(ctx, query.Query{Prefix: prefix.String() + "/", KeysOnly: !packed, ReturnsSizes: true})
		if err != nil {
			return err
		}
		var all []block
		for r := range res.Next() {
			if r.Error != nil {
				res.Close()
				return r.Error
			}
			k := ds.RawKey(r.Key)
			mh, err := dshelp.DsKeyToMultihash(ds.NewKey(k.BaseNamespace()))
			if err != nil {
				continue // not a block key: leave it
			}
			size := uint64(r.Size)
			if packed {
				l, err := parsePackLoc(r.Value)
				if err != nil {
					res.Close()
					return fmt.Errorf("%s: %w", k, err)
				}
				size = l.length
			}
			all = append(all, block{k, string(mh), size})
		}
		res.Close()
		for _, b := range all {
			if err := fn(b.k, b.mh, b.size); err != nil {
				return err
			}
		}
	}
	return nil
}

// gcHookBetween, when set by a test, runs between the listing of the
// committed packs and the reading of the index.
var gcHookBetween func()

// packUse is how much of one pack file the index still points into.
type packUse struct {
	live   uint64 // bytes of indexed blocks
	blocks int
}

// compactPacks removes the pack files no index entry points into any more,
// and rewrites those whose indexed bytes are less than o.RewriteBelow of
// their size. Only committed packs (with a record) are looked at, never the
// running Txn's.
func (s *Store) compactPacks(ctx context.Context, o GCOptions, st *GCStats) error {
	if s.bs.dir == "" {
		return nil
	}
	// The committed packs first, then the index: a pack committed between
	// the two is not looked at, and every index entry into a pack listed
	// was written before its record, so it is counted.
	all, err := listPacks(s.bs.dir)
	if err != nil {
		return err
	}
	var ids []string
	for _, id := range all {
		if ok, err := s.ds.Has(ctx, packRecordKey(id)); err != nil {
			return err
		} else if ok {
			ids = append(ids, id) // else a running Txn's, or a stray the next Open removes
		}
	}
	if gcHookBetween != nil {
		gcHookBetween()
	}
	use, err := s.packUses(ctx)
	if err != nil {
		return err
	}
	for i, id := range ids {
		o.Progress("packs", i, len(ids))
		if err := ctx.Err(); err != nil {
			return err
		}
		fi, err := os.Stat(packPath(s.bs.dir, id))
		if err != nil {
			return fmt.Errorf("pack %s: %w", id, err)
		}
		size := uint64(fi.Size())
		u := use[id]
		switch {
		case u.blocks == 0:
			if err := s.dropPack(ctx, id); err != nil {
				return err
			}
			st.PacksRemoved++
			st.PackBytesFreed += size
		case float64(u.live) < o.RewriteBelow*float64(size):
			n, err := s.rewritePack(ctx, id)
			if err != nil {
				return err
			}
			st.PacksRewritten++
			if n < size {
				st.PackBytesFreed += size - n
			}
		}
	}
	o.Progress("packs", len(ids), len(ids))
	return nil
}

// packUses sums, per pack id, the index entries pointing into it.
func (s *Store) packUses(ctx context.Context) (map[string]packUse, error) {
	use := map[string]packUse{}
	err := s.each(ctx, packedPrefix, func(k ds.Key, v []byte) error {
		l, err := parsePackLoc(v)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		id := hex.EncodeToString(l.pack[:])
		u := use[id]
		u.live += l.length
		u.blocks++
		use[id] = u
		return nil
	})
	return use, err
}

// packEntry is a packed block's index entry and where it points.
type packEntry struct {
	k   ds.Key
	loc packLoc
}

// repointBatch is how many index entries rewritePack moves to the new pack
// in one badger transaction.
const repointBatch = 4096

// repoint points the index entries that still locate their block at
// entries[i].loc at moved[i] instead, in one badger transaction.
func (s *Store) repoint(ctx context.Context, entries []packEntry, moved []packLoc) error {
	dtx, err := s.ds.NewTransaction(ctx, false)
	if err != nil {
		return err
	}
	defer dtx.Discard(ctx)
	for i, e := range entries {
		v, err := dtx.Get(ctx, e.k)
		if errors.Is(err, ds.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if l, err := parsePackLoc(v); err != nil || l != e.loc {
			continue // moved meanwhile
		}
		if err := dtx.Put(ctx, e.k, moved[i].bytes()); err != nil {
			return err
		}
	}
	return dtx.Commit(ctx)
}

// dropPack deletes pack id's record, then its file: a crash between the two
// leaves a file without a record, which the next Open removes.
func (s *Store) dropPack(ctx context.Context, id string) error {
	if err := s.ds.Delete(ctx, packRecordKey(id)); err != nil {
		return err
	}
	if err := s.Sync(ctx); err != nil {
		return err
	}
	return removePack(s.bs.dir, id)
}

// rewritePack copies the blocks the index still locates in pack id into a
// new pack file, records it, points their index entries at it
// (repointBatch at a time: one badger transaction holds about 13,000
// writes), then forgets the old file, and only then removes it. A crash
// before the new record leaves the new file without one, and after the old
// record's deletion the old file: the next Open removes either. A crash in
// between leaves both files recorded, each holding what its index entries
// point at; the next collection finishes the job. It returns the new file's
// size.
func (s *Store) rewritePack(ctx context.Context, id string) (uint64, error) {
	old, err := packID(id)
	if err != nil {
		return 0, err
	}
	var entries []packEntry
	err = s.each(ctx, packedPrefix, func(k ds.Key, v []byte) error {
		l, err := parsePackLoc(v)
		if err == nil && l.pack == old {
			entries = append(entries, packEntry{k, l})
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	newID, err := newTxnID()
	if err != nil {
		return 0, err
	}
	w, err := newPackWriter(s.bs.dir, newID)
	if err != nil {
		return 0, err
	}
	defer w.close()
	moved := make([]packLoc, len(entries))
	for i, e := range entries {
		data, err := readPack(s.bs.dir, e.loc)
		if err != nil {
			return 0, err
		}
		if moved[i], err = w.append(data); err != nil {
			return 0, err
		}
	}
	if err := w.sync(); err != nil {
		return 0, err
	}
	if w.used() {
		if err := s.ds.Put(ctx, packRecordKey(newID), nil); err != nil {
			return 0, err
		}
	}
	for start := 0; start < len(entries); start += repointBatch {
		end := min(start+repointBatch, len(entries))
		if err := s.repoint(ctx, entries[start:end], moved[start:end]); err != nil {
			return 0, err
		}
	}
	if err := s.ds.Delete(ctx, packRecordKey(id)); err != nil {
		return 0, err
	}
	if err := s.Sync(ctx); err != nil {
		return 0, err
	}
	if err := removePack(s.bs.dir, id); err != nil {
		return 0, err
	}
	fi, err := os.Stat(packPath(s.bs.dir, newID))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return uint64(fi.Size()), nil
}

// Usage says how the store's block bytes divide between what the pins keep
// and what a collection would reclaim.
type Usage struct {
	// PinnedBytes are the bytes of the blocks the pins keep.
	PinnedBytes uint64 `json:"pinnedBytes"`
	// UnpinnedBytes are those of the blocks no pin keeps: what GC deletes.
	UnpinnedBytes uint64 `json:"unpinnedBytes"`
	// PackGarbageBytes are the bytes of pack files no index entry points
	// into (deleted blocks whose pack was not rewritten yet).
	PackGarbageBytes uint64 `json:"packGarbageBytes"`
	// ReclaimableBytes is what GC would free at most: UnpinnedBytes and
	// PackGarbageBytes (badger's own files shrink by less than they hold).
	ReclaimableBytes uint64 `json:"reclaimableBytes"`
}

// Usage walks the pins' closure and every block to say how the store's
// bytes divide.
func (s *Store) Usage(ctx context.Context) (Usage, error) {
	var u Usage
	live := map[string]bool{}
	err := s.Closure(ctx, func(r Reach) error {
		if r.Err == nil || !IsMissing(r.Err) {
			live[string(r.CID.Hash())] = true
			u.PinnedBytes += r.Size
		}
		return nil
	})
	if err != nil {
		return u, err
	}
	err = s.eachBlock(ctx, func(_ ds.Key, mh string, n uint64) error {
		if !live[mh] {
			u.UnpinnedBytes += n
		}
		return nil
	})
	if err != nil {
		return u, err
	}
	if s.bs.dir != "" {
		use, err := s.packUses(ctx)
		if err != nil {
			return u, err
		}
		ids, err := listPacks(s.bs.dir)
		if err != nil {
			return u, err
		}
		for _, id := range ids {
			fi, err := os.Stat(packPath(s.bs.dir, id))
			if err != nil {
				continue // removed meanwhile
			}
			if size := uint64(fi.Size()); size > use[id].live {
				u.PackGarbageBytes += size - use[id].live
			}
		}
	}
	u.ReclaimableBytes = u.UnpinnedBytes + u.PackGarbageBytes
	return u, nil
}

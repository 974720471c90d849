package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipfs/boxo/blockservice"
	bstore "github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/badgerds"
)

// PinKind says why something is pinned.
type PinKind string

// Pin kinds. Every pin is recursive: it keeps the node and everything it links.
const (
	PinPackage   PinKind = "package"
	PinMetadata  PinKind = "metadata"
	PinSignature PinKind = "signature"
	PinContent   PinKind = "content"
)

// Pin is a pin record.
type Pin struct {
	Kind    PinKind   `json:"kind"`
	Created time.Time `json:"created"`
}

// Txn is one publish or import: blocks stream in through Blockstore (each block
// new to the store is journalled first), then Commit writes pins, index entries
// and a commit marker atomically and drops the journal. Abort, or Open after a
// crash before the commit point, deletes the blocks the Txn added. A Txn is used by one goroutine at a time,
// except for its Blockstore, which is safe for concurrent use.
type Txn struct {
	s    *Store
	id   string
	done atomic.Bool

	// writes is held shared by each write of blocks and exclusively by Commit
	// and Abort, which set sealed: no block is written once a Txn starts to
	// end, even by goroutines (bitswap's, the importer's) still running.
	writes sync.RWMutex
	sealed bool

	// pack receives the Txn's blocks of at least PackThreshold bytes; nil in
	// memory.
	pack *packWriter

	pins     map[cid.Cid]Pin
	versions map[ds.Key]cid.Cid
	refs     map[ds.Key][]byte
	logs     map[ds.Key]cid.Cid
	heads    map[string]Head
	evidence map[ds.Key]Evidence
}

// Begin starts a Txn, waiting for the running one to finish.
func (s *Store) Begin(ctx context.Context) (*Txn, error) {
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	id, err := newTxnID()
	if err != nil {
		<-s.writer
		return nil, err
	}
	t := &Txn{
		s: s, id: id,
		pins: map[cid.Cid]Pin{}, versions: map[ds.Key]cid.Cid{}, refs: map[ds.Key][]byte{},
		logs: map[ds.Key]cid.Cid{}, heads: map[string]Head{}, evidence: map[ds.Key]Evidence{},
	}
	if s.bs.dir != "" {
		var err error
		if t.pack, err = newPackWriter(s.bs.dir, t.id); err != nil {
			<-s.writer
			return nil, err
		}
		s.bs.active.Store(t.pack)
	}
	return t, nil
}

// newTxnID returns a fresh Txn (or pack) id: 16 lower-case hex digits.
func newTxnID() (string, error) {
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(id[:]), nil
}

// DirectWrites has the Txn write each large block whose bytes fill whole
// pages of memory (as a block read into a buffer of its own does) straight
// to its pack file's disk, with O_DIRECT: no copy into the page cache, nor
// its writeback and trimming (a 1 GiB stream fetch: 0.3-0.4 CPU-s less at
// the receiver). Each such write waits for the disk, so it is for a Txn
// whose blocks arrive no faster than the disk takes them (a fetch), not
// for a publish, whose import is paced by the disk with it (1 GiB: 1.05 to
// 1.19 s). Call it before the first write.
func (t *Txn) DirectWrites() {
	if t.pack != nil {
		t.pack.directWrites()
	}
}

// Blockstore returns the store's blocks with writes journalled to this Txn.
// Reads check blocks against their CIDs.
func (t *Txn) Blockstore() bstore.Blockstore { return journaled{verifying{t.s.bs}, t} }

// DAGService returns an offline DAG service over Blockstore.
func (t *Txn) DAGService() ipld.DAGService {
	return merkledag.NewDAGService(blockservice.New(t.Blockstore(), nil))
}

// PutNode stores an encoded Cairn node under its CID.
func (t *Txn) PutNode(ctx context.Context, c cid.Cid, data []byte) error {
	b, err := blocks.NewBlockWithCid(data, c)
	if err != nil {
		return err
	}
	return t.Blockstore().Put(ctx, b)
}

// Pin records a pin, written at Commit.
func (t *Txn) Pin(c cid.Cid, kind PinKind) { t.pins[c] = Pin{Kind: kind, Created: time.Now().UTC()} }

// SetVersion maps name@version to pkg, written at Commit. Commit fails with
// ErrVersionExists if the store maps it to another package.
func (t *Txn) SetVersion(ref dag.Ref, pkg cid.Cid) {
	t.versions[versionKey(ref.Name.String(), ref.Version)] = pkg
}

// PendingReferrers returns the referrers of subject that this Txn will add.
func (t *Txn) PendingReferrers(subject cid.Cid) []cid.Cid {
	prefix := refsPrefix.ChildString(subject.String())
	var out []cid.Cid
	for k := range t.refs {
		if k.Parent() == prefix {
			if c, err := cid.Decode(k.BaseNamespace()); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// AddReferrer records that ref names subject as its subject, written at Commit.
func (t *Txn) AddReferrer(subject, ref cid.Cid, kind dag.NodeKind) {
	t.refs[refKey(subject, ref)] = []byte(kind.String())
}

// CommitWithWarnings commits the Txn. A failure after the commit point (the
// writes stand) is returned as a warning, not an error: the caller's work is
// done, and the next Open finishes what was left.
func (t *Txn) CommitWithWarnings(ctx context.Context) (warnings []string, err error) {
	err = t.Commit(ctx)
	if errors.Is(err, ErrAfterCommit) {
		return []string{err.Error()}, nil
	}
	return nil, err
}

// Commit flushes and fsyncs the Txn's pack file, writes pins, index entries
// and a commit marker in one badger transaction, syncs the database, then
// drops the journal. The marker is the
// commit point: a crash before it rolls the Txn back at the next Open, a crash
// after it only finishes dropping the journal. (Dropping the journal inside the
// transaction would cap a Txn at what one badger transaction holds.) A Txn
// whose writes do not fit one badger transaction (about 13,000 keys: a
// bundle of a few thousand packages) commits in stages instead (see
// commitStaged).
func (t *Txn) Commit(ctx context.Context) error {
	if t.done.Load() {
		return ErrTxnDone
	}
	t.seal()
	// The packed blocks are on disk before the marker that keeps them.
	if t.pack != nil {
		if err := t.pack.sync(); err != nil {
			return noSpace(err)
		}
	}
	dtx, err := t.s.ds.NewTransaction(ctx, false)
	if err != nil {
		return err
	}
	defer dtx.Discard(ctx)
	err = t.writeCommit(ctx, dtx)
	if err == nil {
		err = dtx.Put(ctx, doneKey(t.id), nil)
	}
	if err == nil {
		err = dtx.Commit(ctx)
	}
	switch {
	case errors.Is(err, badgerds.ErrTxnTooBig):
		dtx.Discard(ctx)
		if err := t.commitStaged(ctx); err != nil {
			return noSpace(err)
		}
	case err != nil:
		return noSpace(err)
	default:
		t.finish()
		if err := t.s.Sync(ctx); err != nil {
			return fmt.Errorf("%w: syncing to disk: %w", ErrAfterCommit, err)
		}
	}
	// Committed: what follows is cleanup that Open redoes if it is interrupted.
	if err := t.s.dropJournal(context.WithoutCancel(ctx), t.id); err != nil {
		return fmt.Errorf("%w: dropping the journal (the next open retries): %w", ErrAfterCommit, err)
	}
	return nil
}

// commitOps is what writeCommit needs of a transaction: a badger one
// (ds.Txn), or the staging of a commit too large for one.
type commitOps interface {
	Get(ctx context.Context, k ds.Key) ([]byte, error)
	Has(ctx context.Context, k ds.Key) (bool, error)
	Put(ctx context.Context, k ds.Key, v []byte) error
}

// writeCommit writes what the Txn keeps, but not its commit marker, in dtx:
// pins, referrers, logs, the pack's record, and last the names index, so
// that a name never leads to a package whose pins are not written yet
// (which matters only in a staged commit, whose writes land one batch at a
// time).
func (t *Txn) writeCommit(ctx context.Context, dtx commitOps) error {
	for c, p := range t.pins {
		if ok, err := dtx.Has(ctx, pinKey(c)); err != nil {
			return err
		} else if ok {
			continue // keep the first pin's record
		}
		v, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if err := dtx.Put(ctx, pinKey(c), v); err != nil {
			return err
		}
	}
	for k, v := range t.refs {
		if err := dtx.Put(ctx, k, v); err != nil {
			return err
		}
	}
	if err := t.commitLogs(ctx, dtx); err != nil {
		return err
	}
	if t.pack != nil && t.pack.used() {
		if err := dtx.Put(ctx, packRecordKey(t.id), nil); err != nil {
			return err
		}
	}
	for k, pkg := range t.versions {
		old, err := dtx.Get(ctx, k)
		switch {
		case err == nil:
			if _, oc, err := cid.CidFromBytes(old); err == nil && !oc.Equals(pkg) {
				name := k.Parent().Parent().BaseNamespace() + "/" + k.Parent().BaseNamespace() + "@" + k.BaseNamespace()
				return fmt.Errorf("%w: %s is package %s in this repo, not %s", ErrVersionExists, name, oc, pkg)
			}
		case !errors.Is(err, ds.ErrNotFound):
			return err
		}
		if err := dtx.Put(ctx, k, pkg.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// Abort deletes the blocks this Txn added and its journal. It is a no-op after
// Commit, so `defer tx.Abort(ctx)` is the idiom.
func (t *Txn) Abort(ctx context.Context) error {
	if t.done.Load() {
		return nil
	}
	t.seal()
	defer t.finish()
	if t.pack != nil {
		t.pack.close()
	}
	// Roll back even if ctx is already cancelled: that is often why we are here.
	return t.s.rollback(context.WithoutCancel(ctx), t.id)
}

// seal stops block writes, waiting for those in flight.
func (t *Txn) seal() {
	t.writes.Lock()
	t.sealed = true
	t.writes.Unlock()
}

func (t *Txn) finish() {
	if t.done.CompareAndSwap(false, true) {
		if t.pack != nil {
			t.s.bs.active.CompareAndSwap(t.pack, nil)
			t.pack.close()
		}
		<-t.s.writer
	}
}

// rollback deletes the blocks journalled under txn id (their badger entries or
// pack index entries), then the journal itself and any staged writes, then
// the Txn's pack file.
func (s *Store) rollback(ctx context.Context, id string) error {
	b, err := s.ds.Batch(ctx)
	if err != nil {
		return err
	}
	err = forEachKey(ctx, s.ds, journalPrefix.ChildString(id), func(k ds.Key) error {
		c, err := cid.Decode(k.BaseNamespace())
		if err != nil {
			return fmt.Errorf("journal entry %s: %w", k, err)
		}
		if err := s.bs.DeleteBlock(ctx, c); err != nil && !ipld.IsNotFound(err) {
			return err
		}
		return b.Delete(ctx, k)
	})
	if err != nil {
		return err
	}
	err = forEachKey(ctx, s.ds, stagedPrefix.ChildString(id), func(k ds.Key) error { return b.Delete(ctx, k) })
	if err != nil {
		return err
	}
	if err := b.Commit(ctx); err != nil {
		return err
	}
	if err := s.Sync(ctx); err != nil {
		return err
	}
	// Only now: a crash before this point leaves the file for the next
	// Open, which finds no record of it and removes it (recover).
	if s.bs.dir == "" {
		return nil
	}
	return removePack(s.bs.dir, id)
}

// dropJournal deletes a committed Txn's journal, then its commit marker.
func (s *Store) dropJournal(ctx context.Context, id string) error {
	b, err := s.ds.Batch(ctx)
	if err != nil {
		return err
	}
	err = forEachKey(ctx, s.ds, journalPrefix.ChildString(id), func(k ds.Key) error { return b.Delete(ctx, k) })
	if err != nil {
		return err
	}
	if err := b.Commit(ctx); err != nil {
		return err
	}
	return s.ds.Delete(ctx, doneKey(id))
}

// recover finishes what a crash interrupted: Txns with a commit marker keep
// their blocks, get their staged writes applied (commitStaged) and lose
// their journal; the others are rolled back. Then every
// pack file without a commit record (/cairn/packs/<id>) is removed: a crash
// left it before its Txn journalled a block, or after the rollback that
// deleted its index entries.
func (s *Store) recover(ctx context.Context) error {
	ids := map[string]bool{}
	err := forEachKey(ctx, s.ds, journalPrefix, func(k ds.Key) error {
		ids[k.Parent().BaseNamespace()] = true
		return nil
	})
	if err != nil {
		return err
	}
	err = forEachKey(ctx, s.ds, donePrefix, func(k ds.Key) error {
		ids[k.BaseNamespace()] = true
		return nil
	})
	if err != nil {
		return err
	}
	err = forEachKey(ctx, s.ds, stagedPrefix, func(k ds.Key) error {
		ids[k.Parent().BaseNamespace()] = true
		return nil
	})
	if err != nil {
		return err
	}
	for id := range ids {
		committed, err := s.ds.Has(ctx, doneKey(id))
		if err != nil {
			return err
		}
		if committed {
			err = s.applyStaged(ctx, id)
			if err == nil {
				err = s.dropJournal(ctx, id)
			}
		} else {
			err = s.rollback(ctx, id)
		}
		if err != nil {
			return err
		}
	}
	return s.removeStrayPacks(ctx)
}

func (s *Store) removeStrayPacks(ctx context.Context) error {
	if s.bs.dir == "" {
		return nil
	}
	packs, err := listPacks(s.bs.dir)
	if err != nil {
		return err
	}
	for _, id := range packs {
		ok, err := s.ds.Has(ctx, packRecordKey(id))
		if err != nil {
			return err
		}
		if !ok {
			if err := removePack(s.bs.dir, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// anyKey reports whether d holds any key under prefix.
func anyKey(ctx context.Context, d ds.Datastore, prefix ds.Key) (bool, error) {
	res, err := d.Query(ctx, query.Query{Prefix: prefix.String() + "/", KeysOnly: true, Limit: 1})
	if err != nil {
		return false, err
	}
	defer res.Close()
	for r := range res.Next() {
		return r.Error == nil, r.Error
	}
	return false, nil
}

// forEachKey calls fn for each key under prefix. Keys are collected first, so fn
// may write to the datastore.
func forEachKey(ctx context.Context, d ds.Datastore, prefix ds.Key, fn func(ds.Key) error) error {
	res, err := d.Query(ctx, query.Query{Prefix: prefix.String() + "/", KeysOnly: true})
	if err != nil {
		return err
	}
	var keys []ds.Key
	for r := range res.Next() {
		if r.Error != nil {
			res.Close()
			return r.Error
		}
		keys = append(keys, ds.RawKey(r.Key))
	}
	res.Close()
	for _, k := range keys {
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

// journaled is a Txn's view of the blockstore: before a block new to the store
// is written, its CID is journalled, so Abort or recovery can delete it.
type journaled struct {
	verifying
	t *Txn
}

func (j journaled) Put(ctx context.Context, b blocks.Block) error {
	return j.PutMany(ctx, []blocks.Block{b})
}

func (j journaled) PutMany(ctx context.Context, bs []blocks.Block) error {
	j.t.writes.RLock()
	defer j.t.writes.RUnlock()
	if j.t.sealed {
		return ErrTxnDone
	}
	fresh := make([]blocks.Block, 0, len(bs))
	jb, err := j.t.s.ds.Batch(ctx)
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(bs))
	for _, b := range bs {
		// Blocks are keyed by multihash: a block twice in bs is written once
		// (and appended to a pack once).
		if mh := string(b.Cid().Hash()); seen[mh] {
			continue
		} else {
			seen[mh] = true
		}
		has, err := j.blockStore.Has(ctx, b.Cid())
		if err != nil {
			return err
		}
		if has {
			continue
		}
		if err := jb.Put(ctx, journalKey(j.t.id, b.Cid()), nil); err != nil {
			return err
		}
		fresh = append(fresh, b)
	}
	if len(fresh) == 0 {
		return nil
	}
	var n uint64
	for _, b := range fresh {
		n += uint64(len(b.RawData()))
	}
	if err := j.t.s.checkSpace(n); err != nil {
		return err
	}
	// The journal reaches the database before the blocks it names.
	if err := jb.Commit(ctx); err != nil {
		return noSpace(err)
	}
	return noSpace(j.t.s.bs.putMany(ctx, fresh, j.t.pack))
}

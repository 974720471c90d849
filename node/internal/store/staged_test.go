package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/badgerds"
)

// tooManyForOneTxn is more writes than one badger transaction holds with the
// default 8 MiB memtable (15% of it, in skiplist nodes of 96 bytes: 13,107).
const tooManyForOneTxn = 14_000

// bigTxn starts a Txn that packs bs (the store packs every block), pins each as content, and publishes one package: more writes at
// Commit than one badger transaction holds.
func bigTxn(t *testing.T, s *Store, bs []blocks.Block) (*Txn, dag.Ref, cid.Cid) {
	t.Helper()
	ctx := context.Background()
	s.bs.threshold = 1
	pkg := dagtest.Package(t, "acme/big", "1.0.0", bs[0].RawData())
	pkgBytes, pkgCID := dagtest.MustEncode(t, pkg)
	tx := beginInternal(t, s)
	if err := tx.Blockstore().PutMany(ctx, bs); err != nil {
		t.Fatal(err)
	}
	if err := tx.PutNode(ctx, pkgCID, pkgBytes); err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		tx.Pin(b.Cid(), PinContent)
	}
	tx.Pin(pkgCID, PinPackage)
	tx.SetVersion(pkg.Ref(), pkgCID)
	return tx, pkg.Ref(), pkgCID
}

// wantCommitted fails unless everything bigTxn wrote is in s, and nothing
// of the staged commit is left.
func wantCommitted(t *testing.T, s *Store, bs []blocks.Block, ref dag.Ref, pkg cid.Cid) {
	t.Helper()
	ctx := context.Background()
	for _, b := range append(bs[:1:1], bs[len(bs)-1]) {
		readBack(t, s.Blockstore(), b)
	}
	if n := countKeys(t, s, pinsPrefix); n != len(bs)+1 {
		t.Errorf("%d pins, want %d", n, len(bs)+1)
	}
	if got, err := s.Lookup(ctx, ref); err != nil || !got.Equals(pkg) {
		t.Errorf("Lookup(%s) = %s, %v; want %s", ref, got, err, pkg)
	}
	for _, p := range []ds.Key{stagedPrefix, journalPrefix, donePrefix} {
		if n := countKeys(t, s, p); n != 0 {
			t.Errorf("%d keys left under %s", n, p)
		}
	}
	if n := countKeys(t, s, packsPrefix); n != 1 {
		t.Errorf("%d pack records, want 1", n)
	}
}

// stageByHand performs a staged commit's steps up to its staged writes,
// durable, and the commit marker if marker: what a crash then leaves.
func stageByHand(t *testing.T, tx *Txn, marker bool) {
	t.Helper()
	ctx := context.Background()
	tx.seal()
	if err := tx.pack.sync(); err != nil {
		t.Fatal(err)
	}
	if err := tx.stageWrites(ctx); err != nil {
		t.Fatal(err)
	}
	if !marker {
		return
	}
	if err := tx.s.ds.Put(ctx, doneKey(tx.id), nil); err != nil {
		t.Fatal(err)
	}
	if err := tx.s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestCommitLargerThanOneBadgerTxn: a Txn with more writes than one badger
// transaction holds (a bundle of a few thousand packages) commits, in
// stages, and all of it is there, before and after a reopen.
func TestCommitLargerThanOneBadgerTxn(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openInternal(t, dir)

	// The premise: one badger transaction cannot hold the commit.
	dtx, err := s.ds.NewTransaction(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tooManyForOneTxn {
		if err = dtx.Put(ctx, ds.NewKey("/premise/"+strings.Repeat("k", 40)).ChildString(strconv.Itoa(i)), []byte("{}")); err != nil {
			break
		}
	}
	dtx.Discard(ctx)
	if !errors.Is(err, badgerds.ErrTxnTooBig) {
		t.Fatalf("%d writes in one badger transaction: %v, want ErrTxnTooBig", tooManyForOneTxn, err)
	}

	bs := internalBlocks(t, "big", tooManyForOneTxn)
	tx, ref, pkg := bigTxn(t, s, bs)
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	wantCommitted(t, s, bs, ref, pkg)
	s.Close()
	s = openInternal(t, dir)
	wantCommitted(t, s, bs, ref, pkg)
}

// TestCrashDuringStagedCommit: a staged commit interrupted before its marker
// is rolled back at the next Open, one interrupted after it is finished.
func TestCrashDuringStagedCommit(t *testing.T) {
	ctx := context.Background()
	for _, marker := range []bool{false, true} {
		name := map[bool]string{false: "before the marker", true: "after the marker"}[marker]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := openInternal(t, dir)
			bs := internalBlocks(t, "big", tooManyForOneTxn)
			tx, ref, pkg := bigTxn(t, s, bs)
			stageByHand(t, tx, marker)
			if err := s.Close(); err != nil { // the crash
				t.Fatal(err)
			}

			s = openInternal(t, dir)
			if marker {
				wantCommitted(t, s, bs, ref, pkg)
				return
			}
			present(t, s, false, bs[0], bs[len(bs)-1])
			if _, err := s.Lookup(ctx, ref); err == nil {
				t.Errorf("Lookup(%s) succeeded after the rollback", ref)
			}
			for _, p := range []ds.Key{pinsPrefix, stagedPrefix, journalPrefix, donePrefix, packsPrefix} {
				if n := countKeys(t, s, p); n != 0 {
					t.Errorf("%d keys left under %s after the rollback", n, p)
				}
			}
			if got := packFiles(t, dir); len(got) != 0 {
				t.Errorf("pack files %v left after the rollback", got)
			}
		})
	}
}

// TestGCRefusesHalfAppliedCommit: while a committed Txn's staged writes are
// not all applied, its pins may be missing, so a collection refuses to run;
// the next Open applies them, and a collection then keeps every block.
func TestGCRefusesHalfAppliedCommit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openInternal(t, dir)
	bs := internalBlocks(t, "big", tooManyForOneTxn)
	tx, ref, pkg := bigTxn(t, s, bs)
	stageByHand(t, tx, true)
	tx.finish() // as commitStaged does when applying fails
	if _, err := s.GC(ctx, GCOptions{}); err == nil || !strings.Contains(err.Error(), "half applied") {
		t.Fatalf("GC with staged writes left: %v, want a refusal", err)
	}
	present(t, s, true, bs...)
	s.Close()

	s = openInternal(t, dir)
	if st := gc(t, s); st.Removed != 0 {
		t.Errorf("GC after recovery removed %d blocks, want 0", st.Removed)
	}
	wantCommitted(t, s, bs, ref, pkg)
}

// TestGCRewritesPackOfManyBlocks: a pack whose live blocks are more than one
// badger transaction can point elsewhere is rewritten in several.
func TestGCRewritesPackOfManyBlocks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openInternal(t, dir)
	keep := internalBlocks(t, "keep", tooManyForOneTxn)
	drop := internalBlocks(t, "drop", 2*tooManyForOneTxn)
	tx, ref, pkg := bigTxn(t, s, keep)
	if err := tx.Blockstore().PutMany(ctx, drop); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	before := packFiles(t, dir)
	st := gc(t, s)
	after := packFiles(t, dir)
	if st.PacksRewritten != 1 || len(after) != 1 || after[0] == before[0] || st.Removed != len(drop) {
		t.Fatalf("GC = %+v, packs %v -> %v; want %d blocks removed and the pack rewritten under a new id", st, before, after, len(drop))
	}
	present(t, s, false, drop[0], drop[len(drop)-1])
	readBack(t, s.Blockstore(), keep...)
	s.Close()
	s = openInternal(t, dir)
	readBack(t, s.Blockstore(), keep...)
	wantCommitted(t, s, keep, ref, pkg)
}

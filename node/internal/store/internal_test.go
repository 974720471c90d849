package store

// Tests that need the store's internals: a crash in the middle of Commit, and
// blocks corrupted on disk.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	bstore "github.com/ipfs/boxo/blockstore"
	dshelp "github.com/ipfs/boxo/datastore/dshelp"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/internal/writeback"
)

func openInternal(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), DefaultOptions(dir))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func internalBlocks(t *testing.T, tag string, n int) []blocks.Block {
	t.Helper()
	out := make([]blocks.Block, n)
	for i := range out {
		data := fmt.Appendf(nil, "%s %d", tag, i)
		c, _ := dagtest.Content(t, data)
		b, err := blocks.NewBlockWithCid(data, c)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

func countKeys(t *testing.T, s *Store, prefix ds.Key) int {
	t.Helper()
	res, err := s.ds.Query(context.Background(), query.Query{Prefix: prefix.String() + "/", KeysOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	all, err := res.Rest()
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

// commitUpToMarker performs Commit's steps by hand, up to and including the
// durable commit marker, but does not drop the journal or release the Txn:
// what a crash right after the commit point leaves behind.
func commitUpToMarker(t *testing.T, tx *Txn) {
	t.Helper()
	ctx := context.Background()
	dtx, err := tx.s.ds.NewTransaction(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for k, pkg := range tx.versions {
		if err := dtx.Put(ctx, k, pkg.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	for c, p := range tx.pins {
		v, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := dtx.Put(ctx, pinKey(c), v); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range tx.refs {
		if err := dtx.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := dtx.Put(ctx, doneKey(tx.id), nil); err != nil {
		t.Fatal(err)
	}
	if err := dtx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tx.s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCrashAfterCommitMarker(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		// after runs after the marker is durable and before the "crash".
		after func(t *testing.T, tx *Txn)
	}{
		{"journal intact", func(*testing.T, *Txn) {}},
		{"journal dropped, marker left", func(t *testing.T, tx *Txn) {
			// dropJournal deletes the journal, then the marker: crash in between.
			b, err := tx.s.ds.Batch(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := forEachKey(ctx, tx.s.ds, journalPrefix.ChildString(tx.id), func(k ds.Key) error { return b.Delete(ctx, k) }); err != nil {
				t.Fatal(err)
			}
			if err := b.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openInternal(t, dir)
			bs := internalBlocks(t, "marker", 5)
			pkg := dagtest.Package(t, "acme/hello", "1.0.0", bs[0].RawData())
			pkgBytes, pkgCID := dagtest.MustEncode(t, pkg)

			tx, err := s.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Blockstore().PutMany(ctx, bs); err != nil {
				t.Fatal(err)
			}
			if err := tx.PutNode(ctx, pkgCID, pkgBytes); err != nil {
				t.Fatal(err)
			}
			tx.Pin(pkgCID, PinPackage)
			tx.Pin(bs[0].Cid(), PinContent)
			tx.SetVersion(pkg.Ref(), pkgCID)
			tx.AddReferrer(pkgCID, bs[1].Cid(), dag.NodeMetadata)
			commitUpToMarker(t, tx)
			tc.after(t, tx)
			if err := s.Close(); err != nil { // the crash
				t.Fatal(err)
			}

			s = openInternal(t, dir)
			for _, b := range append(bs, blocks.Block(nil)) {
				c := pkgCID
				if b != nil {
					c = b.Cid()
				}
				if ok, err := s.Has(ctx, c); err != nil || !ok {
					t.Errorf("block %s of the committed Txn lost: %v, %v", c, ok, err)
				}
			}
			for _, c := range []cid.Cid{pkgCID, bs[0].Cid()} {
				if ok, err := s.IsPinned(ctx, c); err != nil || !ok {
					t.Errorf("pin %s lost: %v, %v", c, ok, err)
				}
			}
			if got, err := s.Lookup(ctx, pkg.Ref()); err != nil || !got.Equals(pkgCID) {
				t.Errorf("Lookup = %s, %v", got, err)
			}
			if rs, err := s.Referrers(ctx, pkgCID); err != nil || len(rs) != 1 {
				t.Errorf("Referrers = %v, %v", rs, err)
			}
			st, err := s.Stat(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Journal != 0 || st.Blocks != 6 || st.Pins != 2 || st.Versions != 1 || st.Refs != 1 {
				t.Errorf("Stat after recovery = %+v", st)
			}
			if n := countKeys(t, s, donePrefix); n != 0 {
				t.Errorf("%d commit markers left after recovery", n)
			}
		})
	}
}

// TestCrashDuringRollback: a rollback interrupted after deleting some blocks
// leaves the journal, and the next Open finishes it.
func TestCrashDuringRollback(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openInternal(t, dir)
	old := internalBlocks(t, "old", 2)
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Blockstore().PutMany(ctx, old); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	bs := internalBlocks(t, "rollback", 4)
	tx, err = s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Blockstore().PutMany(ctx, append(bs, old...)); err != nil {
		t.Fatal(err)
	}
	// Half a rollback: two blocks deleted, journal untouched.
	for _, b := range bs[:2] {
		if err := s.bs.DeleteBlock(ctx, b.Cid()); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openInternal(t, dir)
	for _, b := range bs {
		if ok, _ := s.Has(ctx, b.Cid()); ok {
			t.Errorf("block %s survived the recovered rollback", b.Cid())
		}
	}
	for _, b := range old {
		if ok, _ := s.Has(ctx, b.Cid()); !ok {
			t.Errorf("block %s committed earlier was deleted", b.Cid())
		}
	}
	if n := countKeys(t, s, journalPrefix); n != 0 {
		t.Errorf("journal has %d entries after recovery", n)
	}
}

func TestVerifyingReads(t *testing.T) {
	ctx := context.Background()
	s := openInternal(t, t.TempDir())
	good := internalBlocks(t, "good", 1)[0]
	bad := internalBlocks(t, "bad", 1)[0]
	missing := internalBlocks(t, "missing", 1)[0]
	pkg := dagtest.Package(t, "acme/hello", "1.0.0", []byte("x"))
	pkgBytes, pkgCID := dagtest.MustEncode(t, pkg)
	big := make([]byte, 1<<20) // a full-size chunk
	for i := range big {
		big[i] = byte(i * 7)
	}
	bigCID, _ := dagtest.Content(t, big)

	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Blockstore().Put(ctx, good); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// Corrupt bytes stored directly under the keys of bad, pkgCID and bigCID.
	corrupt := map[cid.Cid][]byte{
		bad.Cid(): []byte("not the bytes of bad"),
		pkgCID:    append(append([]byte{}, pkgBytes[:len(pkgBytes)-1]...), pkgBytes[len(pkgBytes)-1]^1),
		bigCID:    append(append([]byte{}, big[:len(big)-1]...), big[len(big)-1]^0x80),
	}
	for c, data := range corrupt {
		k := bstore.BlockPrefix.Child(dshelp.MultihashToDsKey(c.Hash()))
		if err := s.ds.Put(ctx, k, data); err != nil {
			t.Fatal(err)
		}
	}

	readers := []struct {
		name string
		get  func(cid.Cid) ([]byte, error)
	}{
		{"Block", func(c cid.Cid) ([]byte, error) { return s.Block(ctx, c) }},
		{"Blockstore().Get", func(c cid.Cid) ([]byte, error) {
			b, err := s.Blockstore().Get(ctx, c)
			if err != nil {
				return nil, err
			}
			return b.RawData(), nil
		}},
		{"Txn.Blockstore().Get", func(c cid.Cid) ([]byte, error) {
			tx, err := s.Begin(ctx)
			if err != nil {
				return nil, err
			}
			defer tx.Abort(ctx)
			b, err := tx.Blockstore().Get(ctx, c)
			if err != nil {
				return nil, err
			}
			return b.RawData(), nil
		}},
		{"DAGService().Get", func(c cid.Cid) ([]byte, error) {
			nd, err := s.DAGService().Get(ctx, c)
			if err != nil {
				return nil, err
			}
			return nd.RawData(), nil
		}},
	}
	for _, r := range readers {
		t.Run(r.name, func(t *testing.T) {
			if data, err := r.get(good.Cid()); err != nil || string(data) != string(good.RawData()) {
				t.Errorf("good block: %q, %v", data, err)
			}
			for c := range corrupt {
				data, err := r.get(c)
				if !errors.Is(err, dag.ErrHashMismatch) {
					t.Errorf("corrupt block %s: data %d bytes, err = %v; want ErrHashMismatch", c, len(data), err)
				}
			}
			_, err := r.get(missing.Cid())
			if !ipld.IsNotFound(err) && !errors.Is(err, ErrNotFound) {
				t.Errorf("missing block: err = %v, want not found", err)
			}
		})
	}

	t.Run("disallowed hash function", func(t *testing.T) {
		// Writes are not checked, reads are: a sha1 CID with matching bytes is
		// refused as an invalid CID by every checked path, and RawBlock returns it.
		data := []byte("hashed with sha1")
		mh, err := multihash.Sum(data, multihash.SHA1, -1)
		if err != nil {
			t.Fatal(err)
		}
		c := cid.NewCidV1(cid.Raw, mh)
		b, err := blocks.NewBlockWithCid(data, c)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Blockstore().Put(ctx, b); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		for _, r := range readers {
			if _, err := r.get(c); !errors.Is(err, dag.ErrInvalidCID) {
				t.Errorf("%s: err = %v, want ErrInvalidCID", r.name, err)
			}
		}
		if got, err := s.RawBlock(ctx, c); err != nil || string(got) != string(data) {
			t.Errorf("RawBlock = %q, %v", got, err)
		}
	})

	t.Run("RawBlock and UncheckedBlockstore", func(t *testing.T) {
		for c, want := range corrupt {
			got, err := s.RawBlock(ctx, c)
			if err != nil || string(got) != string(want) {
				t.Errorf("RawBlock(%s) = %d bytes, %v; want the stored %d bytes", c, len(got), err, len(want))
			}
			b, err := s.UncheckedBlockstore().Get(ctx, c)
			if err != nil {
				t.Errorf("UncheckedBlockstore().Get(%s): %v; want the stored %d bytes", c, err, len(want))
			} else if string(b.RawData()) != string(want) {
				t.Errorf("UncheckedBlockstore().Get(%s) = %v; want the stored %d bytes", c, err, len(want))
			}
		}
		if err := s.UncheckedBlockstore().Put(ctx, good); err == nil {
			t.Error("UncheckedBlockstore().Put succeeded; want read-only")
		}
		if got, err := s.RawBlock(ctx, good.Cid()); err != nil || string(got) != string(good.RawData()) {
			t.Errorf("RawBlock(good) = %q, %v", got, err)
		}
	})

	t.Run("not found", func(t *testing.T) {
		if _, err := s.RawBlock(ctx, missing.Cid()); !errors.Is(err, ErrNotFound) {
			t.Errorf("RawBlock(missing): err = %v, want ErrNotFound", err)
		}
		if _, err := s.Block(ctx, missing.Cid()); !errors.Is(err, ErrNotFound) {
			t.Errorf("Block(missing): err = %v, want ErrNotFound", err)
		}
		if _, err := s.Blockstore().Get(ctx, missing.Cid()); !ipld.IsNotFound(err) {
			t.Errorf("Blockstore().Get(missing): err = %v, want ipld.IsNotFound", err)
		}
	})
}

// TestPackTrimsPageCache: a pack writer starts the writeback of each full
// chunk and drops the chunk before it, so its page cache stays within about
// two chunks; what it dropped still reads back.
func TestPackTrimsPageCache(t *testing.T) {
	dir := t.TempDir()
	if err := makePacksDir(dir); err != nil {
		t.Fatal(err)
	}
	w, err := newPackWriter(dir, "00112233aabbccdd")
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	block := make([]byte, 1<<20)
	var locs []packLoc
	const chunk = writeback.Chunk
	for i := range 3*chunk>>20 + 5 {
		block[0] = byte(i)
		l, err := w.append(block)
		if err != nil {
			t.Fatal(err)
		}
		locs = append(locs, l)
	}
	if started, dropped := w.trim.Started(), w.trim.Dropped(); started < 3*chunk || dropped < chunk || int64(w.flushed)-dropped > 3*chunk {
		t.Errorf("after %d MiB: started %d, dropped %d, flushed %d; want writeback of 3 chunks started and the cache trimmed", len(locs), started, dropped, w.flushed)
	}
	if err := w.sync(); err != nil {
		t.Fatal(err)
	}
	if w.trim.Dropped() != int64(w.size) {
		t.Errorf("after sync: dropped %d of %d", w.trim.Dropped(), w.size)
	}
	for i, l := range []packLoc{locs[0], locs[len(locs)/2], locs[len(locs)-1]} {
		got, err := readPack(dir, l)
		if err != nil || len(got) != 1<<20 || got[0] != byte(l.offset>>20) {
			t.Errorf("read %d at %d: %d bytes, first %d, %v", i, l.offset, len(got), got[0], err)
		}
	}
}

// TestClaimValue: a claim record is the package's CID then its log entry's;
// a record of the package alone (written before records held the entry)
// still reads, with no entry; bytes after the entry are an error.
func TestClaimValue(t *testing.T) {
	pkg, entry := dagtest.NodeCID(t, "package"), dagtest.NodeCID(t, "entry")
	p, e, err := parseClaimValue(claimValue(pkg, entry))
	if err != nil || !p.Equals(pkg) || !e.Equals(entry) {
		t.Fatalf("round trip: %s, %s, %v", p, e, err)
	}
	p, e, err = parseClaimValue(pkg.Bytes())
	if err != nil || !p.Equals(pkg) || e.Defined() {
		t.Fatalf("a record of the package alone: %s, %s, %v", p, e, err)
	}
	if _, _, err := parseClaimValue(append(claimValue(pkg, entry), 0)); err == nil {
		t.Fatal("a record with a byte after the entry parsed")
	}
	if _, _, err := parseClaimValue([]byte{0x01, 0x71}); err == nil {
		t.Fatal("a truncated record parsed")
	}
}

package store

// Tests of pack files: blocks of at least PackThreshold bytes written by a
// Txn go to packs/<txn id>.pack, indexed under /cairn/packed/.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	bstore "github.com/ipfs/boxo/blockstore"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
)

// sizedBlocks returns one raw block of each size, contents derived from tag.
func sizedBlocks(t *testing.T, tag byte, sizes ...int) []blocks.Block {
	t.Helper()
	out := make([]blocks.Block, len(sizes))
	for i, n := range sizes {
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(j*31) ^ tag ^ byte(i)
		}
		c, _ := dagtest.Content(t, data)
		b, err := blocks.NewBlockWithCid(data, c)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// packFiles lists the pack files of the store in dir.
func packFiles(t *testing.T, dir string) []string {
	t.Helper()
	ids, err := listPacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// readBack fails unless every block reads back through bs with its bytes.
func readBack(t *testing.T, bs bstore.Blockstore, want ...blocks.Block) {
	t.Helper()
	ctx := context.Background()
	for _, b := range want {
		got, err := bs.Get(ctx, b.Cid())
		if err != nil {
			t.Fatalf("Get(%s): %v", b.Cid(), err)
		}
		if string(got.RawData()) != string(b.RawData()) {
			t.Fatalf("Get(%s): %d bytes that differ from the %d written", b.Cid(), len(got.RawData()), len(b.RawData()))
		}
		n, err := bs.GetSize(ctx, b.Cid())
		if err != nil || n != len(b.RawData()) {
			t.Fatalf("GetSize(%s) = %d, %v; want %d", b.Cid(), n, err, len(b.RawData()))
		}
		if ok, err := bs.Has(ctx, b.Cid()); err != nil || !ok {
			t.Fatalf("Has(%s) = %v, %v", b.Cid(), ok, err)
		}
	}
}

func TestPackedBlocksRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openInternal(t, dir)
	small := sizedBlocks(t, 1, 100, PackThreshold-1)
	large := sizedBlocks(t, 2, PackThreshold, 1<<20, 1<<20+5)
	all := append(append([]blocks.Block{}, small...), large...)

	tx := beginInternal(t, s)
	// A block twice in one PutMany is packed once.
	if err := tx.Blockstore().PutMany(ctx, append(all, large[1])); err != nil {
		t.Fatal(err)
	}
	// Readable before Commit, while the pack's buffer holds some of them.
	readBack(t, tx.Blockstore(), all...)
	if got := countKeys(t, s, packedPrefix); got != len(large) {
		t.Errorf("%d index entries, want %d", got, len(large))
	}
	if got := countKeys(t, s, bstore.BlockPrefix); got != len(small) {
		t.Errorf("%d badger blocks, want %d", got, len(small))
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if ids := packFiles(t, dir); len(ids) != 1 || ids[0] != tx.id {
		t.Errorf("pack files %v, want [%s]", ids, tx.id)
	}
	var packed int64
	for _, b := range large {
		packed += int64(len(b.RawData()))
	}
	if fi, err := os.Stat(packPath(dir, tx.id)); err != nil || fi.Size() != packed {
		t.Errorf("pack file: %v, %v; want %d bytes", fi, err, packed)
	}
	readBack(t, s.Blockstore(), all...)
	readBack(t, s.UncheckedBlockstore(), all...)

	st, err := s.Stat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var bytes uint64
	for _, b := range all {
		bytes += uint64(len(b.RawData()))
	}
	if st.Blocks != len(all) || st.Bytes != bytes {
		t.Errorf("Stat: %d blocks, %d bytes; want %d, %d", st.Blocks, st.Bytes, len(all), bytes)
	}
	if n, err := s.CountBlocks(ctx); err != nil || n != len(all) {
		t.Errorf("CountBlocks = %d, %v; want %d", n, err, len(all))
	}
	keys, err := s.Blockstore().AllKeysChan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for c := range keys {
		seen[string(c.Hash())] = true
	}
	for _, b := range all {
		if !seen[string(b.Cid().Hash())] {
			t.Errorf("AllKeysChan did not yield %s", b.Cid())
		}
	}
	if len(seen) != len(all) {
		t.Errorf("AllKeysChan yielded %d keys, want %d", len(seen), len(all))
	}

	// A second Txn writing the same blocks adds nothing, not even a pack.
	tx2 := beginInternal(t, s)
	if err := tx2.Blockstore().PutMany(ctx, all); err != nil {
		t.Fatal(err)
	}
	if err := tx2.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if ids := packFiles(t, dir); len(ids) != 1 {
		t.Errorf("pack files %v after a Txn of known blocks, want one", ids)
	}

	// Committed packed blocks survive a reopen.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openInternal(t, dir)
	readBack(t, s.Blockstore(), all...)
	if ids := packFiles(t, dir); len(ids) != 1 {
		t.Errorf("pack files %v after reopen, want one", ids)
	}
	if got := countKeys(t, s, journalPrefix); got != 0 {
		t.Errorf("%d journal entries after commit", got)
	}
}

// TestReadBlockReusesBuffer: the unchecked blockstore's ReadBlock returns a
// block's bytes as stored, a packed block's read into the caller's buffer when
// it is large enough, so a server reuses one buffer for a whole answer.
func TestReadBlockReusesBuffer(t *testing.T) {
	ctx := context.Background()
	s := openInternal(t, t.TempDir())
	small := sizedBlocks(t, 3, 100)
	large := sizedBlocks(t, 4, 1<<20, PackThreshold)
	tx := beginInternal(t, s)
	if err := tx.Blockstore().PutMany(ctx, append(append([]blocks.Block{}, small...), large...)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r, ok := s.UncheckedBlockstore().(interface {
		ReadBlock(context.Context, cid.Cid, []byte) ([]byte, error)
	})
	if !ok {
		t.Fatal("the unchecked blockstore has no ReadBlock")
	}
	buf := make([]byte, 0, 1<<20)
	for _, b := range append(large, small...) {
		got, err := r.ReadBlock(ctx, b.Cid(), buf)
		if err != nil {
			t.Fatalf("ReadBlock(%s): %v", b.Cid(), err)
		}
		if !bytes.Equal(got, b.RawData()) {
			t.Fatalf("ReadBlock(%s): %d bytes that differ from the %d written", b.Cid(), len(got), len(b.RawData()))
		}
		if packed := len(b.RawData()) >= PackThreshold; packed && &got[0] != &buf[:1][0] {
			t.Errorf("ReadBlock(%s) of a packed block did not read into the buffer", b.Cid())
		}
	}
	// A buffer too small is not overrun: the bytes come in a new slice.
	tiny := make([]byte, 0, 10)
	got, err := r.ReadBlock(ctx, large[0].Cid(), tiny)
	if err != nil || !bytes.Equal(got, large[0].RawData()) {
		t.Fatalf("ReadBlock into a small buffer: %d bytes, %v", len(got), err)
	}
	// A block that is not there is not found, as with Get.
	missing := sizedBlocks(t, 5, 1<<20)[0]
	if _, err := r.ReadBlock(ctx, missing.Cid(), buf); !ipld.IsNotFound(err) {
		t.Fatalf("ReadBlock of a missing block: %v", err)
	}
}

func beginInternal(t *testing.T, s *Store) *Txn {
	t.Helper()
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func TestPackRollback(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		// end ends the Txn without committing it, and returns the store to check.
		end func(t *testing.T, dir string, s *Store, tx *Txn) *Store
	}{
		{"abort", func(t *testing.T, _ string, _ *Store, tx *Txn) *Store {
			if err := tx.Abort(ctx); err != nil {
				t.Fatal(err)
			}
			return tx.s
		}},
		{"crash, reopen", func(t *testing.T, dir string, s *Store, _ *Txn) *Store {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return openInternal(t, dir)
		}},
		{"commit failing before the marker, abort", func(t *testing.T, _ string, s *Store, tx *Txn) *Store {
			if err := tx.Commit(ctx); !errors.Is(err, ErrVersionExists) {
				t.Fatalf("Commit: %v, want ErrVersionExists", err)
			}
			if err := tx.Abort(ctx); err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"crash after the rollback, before the file is removed", func(t *testing.T, dir string, s *Store, tx *Txn) *Store {
			if err := tx.Abort(ctx); err != nil {
				t.Fatal(err)
			}
			// Put the file back, as if Abort had stopped right before removing it.
			if err := os.WriteFile(packPath(dir, tx.id), []byte("left over"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return openInternal(t, dir)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openInternal(t, dir)
			kept := sizedBlocks(t, 3, 1<<20, 200)
			tx := beginInternal(t, s)
			if err := tx.Blockstore().PutMany(ctx, kept); err != nil {
				t.Fatal(err)
			}
			pkg := dagtest.Package(t, "acme/hello", "1.0.0", []byte("x"))
			tx.SetVersion(pkg.Ref(), kept[1].Cid())
			commit := tx.Commit(ctx)
			if commit != nil {
				t.Fatal(commit)
			}
			keptPack := tx.id
			before, err := s.Stat(ctx)
			if err != nil {
				t.Fatal(err)
			}

			added := sizedBlocks(t, 4, 1<<20, PackThreshold, 300)
			tx = beginInternal(t, s)
			if err := tx.Blockstore().PutMany(ctx, append(added, kept...)); err != nil {
				t.Fatal(err)
			}
			tx.SetVersion(pkg.Ref(), added[2].Cid()) // conflicts, for the Commit case
			if _, err := os.Stat(packPath(dir, tx.id)); err != nil {
				t.Fatalf("no pack file while the Txn runs: %v", err)
			}
			s = tc.end(t, dir, s, tx)

			if ids := packFiles(t, dir); len(ids) != 1 || ids[0] != keptPack {
				t.Errorf("pack files %v, want only the committed %s", ids, keptPack)
			}
			for _, b := range added {
				if ok, err := s.Has(ctx, b.Cid()); err != nil || ok {
					t.Errorf("Has(%s) = %v, %v after rollback", b.Cid(), ok, err)
				}
			}
			readBack(t, s.Blockstore(), kept...)
			after, err := s.Stat(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Errorf("Stat after rollback %+v, want %+v", after, before)
			}
			if got := countKeys(t, s, packedPrefix); got != 1 {
				t.Errorf("%d index entries, want 1", got)
			}
		})
	}
}

func TestStrayPackRemovedAtOpen(t *testing.T) {
	// A crash after a Txn created its pack file and before it journalled the
	// block: nothing names the file.
	dir := t.TempDir()
	s := openInternal(t, dir)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	stray := packPath(dir, "0123456789abcdef")
	if err := os.WriteFile(stray, make([]byte, 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, packsDir, "README")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	openInternal(t, dir)
	if _, err := os.Stat(stray); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stray pack: stat err = %v, want it removed", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file not named *.pack was touched: %v", err)
	}
}

func TestCorruptPackedBlock(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openInternal(t, dir)
	bs := sizedBlocks(t, 5, 1<<20, 1<<20)
	tx := beginInternal(t, s)
	if err := tx.Blockstore().PutMany(ctx, bs); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// Flip one byte of the second block.
	f, err := os.OpenFile(packPath(dir, tx.id), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.bs.loc(ctx, bs[1].Cid())
	if err != nil {
		t.Fatal(err)
	}
	at := int64(l.offset) + 12345
	buf := []byte{0}
	if _, err := f.ReadAt(buf, at); err != nil {
		t.Fatal(err)
	}
	buf[0] ^= 0x40
	if _, err := f.WriteAt(buf, at); err != nil {
		t.Fatal(err)
	}
	f.Close()

	readBack(t, s.Blockstore(), bs[0])
	if _, err := s.Block(ctx, bs[1].Cid()); !errors.Is(err, dag.ErrHashMismatch) {
		t.Errorf("Block: err = %v, want ErrHashMismatch", err)
	}
	if _, err := s.Blockstore().Get(ctx, bs[1].Cid()); !errors.Is(err, dag.ErrHashMismatch) {
		t.Errorf("Blockstore().Get: err = %v, want ErrHashMismatch", err)
	}
	raw, err := s.RawBlock(ctx, bs[1].Cid())
	if err != nil || len(raw) != 1<<20 || raw[12345] == bs[1].RawData()[12345] {
		t.Errorf("RawBlock: %d bytes, %v; want the stored, corrupted bytes", len(raw), err)
	}

	// A pack file cut short is an error, not a short block.
	if err := os.Truncate(packPath(dir, tx.id), int64(l.offset)+100); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RawBlock(ctx, bs[1].Cid()); err == nil {
		t.Error("RawBlock of a block past the end of its pack succeeded")
	}
}

func TestPackLocEncoding(t *testing.T) {
	id, err := packID("0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	l := packLoc{pack: id, offset: 1<<40 + 3, length: 1 << 20}
	got, err := parsePackLoc(l.bytes())
	if err != nil || got != l {
		t.Fatalf("round trip: %+v, %v; want %+v", got, err, l)
	}
	if _, err := parsePackLoc(l.bytes()[:23]); err == nil {
		t.Error("parsePackLoc accepted 23 bytes")
	}
}

func TestPackReadsWhileWriting(t *testing.T) {
	// Readers of blocks already in the running Txn's pack (some still in its
	// buffer) while writers append: run with -race.
	ctx := context.Background()
	s := openInternal(t, t.TempDir())
	sizes := make([]int, 48)
	for i := range sizes {
		sizes[i] = PackThreshold + i*4099
	}
	bs := sizedBlocks(t, 6, sizes...)
	tx := beginInternal(t, s)
	defer tx.Abort(ctx)
	written := make(chan blocks.Block, len(bs))
	errs := make(chan error, 8)
	for w := range 4 {
		go func() {
			for i := w; i < len(bs); i += 4 {
				if err := tx.Blockstore().Put(ctx, bs[i]); err != nil {
					errs <- err
					return
				}
				written <- bs[i]
			}
			errs <- nil
		}()
	}
	done := 0
	for read := 0; read < len(bs); {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatal(err)
			}
			done++
		case b := <-written:
			got, err := tx.Blockstore().Get(ctx, b.Cid())
			if err != nil || string(got.RawData()) != string(b.RawData()) {
				t.Fatalf("Get(%s) while writing: %v", b.Cid(), err)
			}
			read++
		}
	}
	for ; done < 4; done++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	readBack(t, s.Blockstore(), bs...)
}

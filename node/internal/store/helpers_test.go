package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/store"
)

// openStore opens an on-disk store in dir and closes it when the test ends.
// (Badger's in-memory mode cannot hold 1 MiB values, so tests use the disk.)
func openStore(t testing.TB, dir string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.DefaultOptions(dir))
	if err != nil {
		t.Fatalf("open store in %s: %v", dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newStore opens a fresh store in a temporary directory.
func newStore(t testing.TB) *store.Store {
	t.Helper()
	return openStore(t, t.TempDir())
}

// rawBlock returns data as a raw-codec CIDv1 block.
func rawBlock(t testing.TB, data []byte) blocks.Block {
	t.Helper()
	c, _ := dagtest.Content(t, data)
	b, err := blocks.NewBlockWithCid(data, c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testBlocks returns n distinct raw blocks whose contents start with tag.
func testBlocks(t testing.TB, tag string, n int) []blocks.Block {
	t.Helper()
	out := make([]blocks.Block, n)
	for i := range out {
		out[i] = rawBlock(t, fmt.Appendf(nil, "%s block %d", tag, i))
	}
	return out
}

// testPackage returns an encoded one-layer package name@version and its CID.
func testPackage(t testing.TB, name, version string, data []byte) (*dag.Package, []byte, cid.Cid) {
	t.Helper()
	p := dagtest.Package(t, name, version, data)
	b, c := dagtest.MustEncode(t, p)
	return p, b, c
}

func ref(t testing.TB, s string) dag.Ref {
	t.Helper()
	r, err := dag.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func begin(t testing.TB, s *store.Store) *store.Txn {
	t.Helper()
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	return tx
}

func put(t testing.TB, tx *store.Txn, bs ...blocks.Block) {
	t.Helper()
	if err := tx.Blockstore().PutMany(context.Background(), bs); err != nil {
		t.Fatalf("PutMany: %v", err)
	}
}

func commit(t testing.TB, tx *store.Txn) {
	t.Helper()
	if err := tx.Commit(context.Background()); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

func abort(t testing.TB, tx *store.Txn) {
	t.Helper()
	if err := tx.Abort(context.Background()); err != nil {
		t.Fatalf("Abort: %v", err)
	}
}

func stat(t testing.TB, s *store.Store) store.Stat {
	t.Helper()
	st, err := s.Stat(context.Background())
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	return st
}

func has(t testing.TB, s *store.Store, c cid.Cid) bool {
	t.Helper()
	ok, err := s.Has(context.Background(), c)
	if err != nil {
		t.Fatalf("Has %s: %v", c, err)
	}
	return ok
}

// checkBlocks fails unless every block in bs is (want) or is not (!want) in s,
// and, when present, reads back with its bytes.
func checkBlocks(t testing.TB, s *store.Store, want bool, bs ...blocks.Block) {
	t.Helper()
	for _, b := range bs {
		if got := has(t, s, b.Cid()); got != want {
			t.Fatalf("Has(%s) = %v, want %v", b.Cid(), got, want)
		}
		if !want {
			continue
		}
		data, err := s.Block(context.Background(), b.Cid())
		if err != nil {
			t.Fatalf("Block(%s): %v", b.Cid(), err)
		}
		if string(data) != string(b.RawData()) {
			t.Fatalf("Block(%s) = %q, want %q", b.Cid(), data, b.RawData())
		}
	}
}

func isPinned(t testing.TB, s *store.Store, c cid.Cid) bool {
	t.Helper()
	ok, err := s.IsPinned(context.Background(), c)
	if err != nil {
		t.Fatalf("IsPinned %s: %v", c, err)
	}
	return ok
}

func versions(t testing.TB, s *store.Store, name string) []store.Version {
	t.Helper()
	vs, err := s.Versions(context.Background(), name)
	if err != nil {
		t.Fatalf("Versions(%q): %v", name, err)
	}
	return vs
}

func referrers(t testing.TB, s *store.Store, c cid.Cid) []cid.Cid {
	t.Helper()
	rs, err := s.Referrers(context.Background(), c)
	if err != nil {
		t.Fatalf("Referrers(%s): %v", c, err)
	}
	return rs
}

func blockBytes(bs ...blocks.Block) uint64 {
	var n uint64
	for _, b := range bs {
		n += uint64(len(b.RawData()))
	}
	return n
}

func wantErrIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want one wrapping %v", err, target)
	}
}

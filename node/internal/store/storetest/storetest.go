// Package storetest opens stores for the tests of the packages that use
// one: a real badger store in a temporary directory, closed when the test
// ends (badger's in-memory mode cannot hold 1 MiB blocks). Production code
// never imports it.
//
//	s := storetest.New(t)
package storetest

import (
	"context"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/store"
)

// New opens a fresh store in a temporary directory.
func New(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.DefaultOptions(t.TempDir()))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PutPackage stores p, unsigned, in s in one committed Txn: pinned as a
// package and indexed as its name@version. It returns p's CID.
func PutPackage(t testing.TB, s *store.Store, p *dag.Package) cid.Cid {
	t.Helper()
	ctx := context.Background()
	data, c := dagtest.MustEncode(t, p)
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Abort(ctx)
	if err := tx.PutNode(ctx, c, data); err != nil {
		t.Fatal(err)
	}
	tx.Pin(c, store.PinPackage)
	tx.SetVersion(p.Ref(), c)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

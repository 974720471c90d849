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

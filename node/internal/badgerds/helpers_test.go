package badgerds

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"testing"

	ds "github.com/ipfs/go-datastore"
)

// kinds are the two flavours every behaviour test runs on.
var kinds = []struct {
	name    string
	options func(testing.TB) Options
}{
	{"disk", func(t testing.TB) Options { return DefaultOptions(t.TempDir()) }},
	{"memory", func(testing.TB) Options { return memOptions() }},
}

func memOptions() Options {
	o := DefaultOptions("")
	o.InMemory = true
	return o
}

// openMem opens an in-memory datastore, closed at the end of the test.
func openMem(t testing.TB) *Datastore {
	t.Helper()
	return openWith(t, memOptions())
}

// openWith opens a datastore with o, closed at the end of the test.
func openWith(t testing.TB, o Options) *Datastore {
	t.Helper()
	d, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

// randBytes returns n pseudo-random bytes, different for every seed.
func randBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), 7})
	_, _ = r.Read(b)
	return b
}

// mustPut stores value under key or fails the test.
func mustPut(t testing.TB, w ds.Write, key string, value []byte) {
	t.Helper()
	if err := w.Put(context.Background(), ds.NewKey(key), value); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// wantValue fails the test unless r maps key to want.
func wantValue(t testing.TB, r ds.Read, key string, want []byte) {
	t.Helper()
	got, err := r.Get(context.Background(), ds.NewKey(key))
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("get %s: got %d bytes, want %d bytes (%q...)", key, len(got), len(want), want[:min(len(want), 8)])
	}
}

// wantMissing fails the test unless key is absent from r.
func wantMissing(t testing.TB, r ds.Read, key string) {
	t.Helper()
	_, err := r.Get(context.Background(), ds.NewKey(key))
	if !errors.Is(err, ds.ErrNotFound) {
		t.Fatalf("get %s: got error %v, want ErrNotFound", key, err)
	}
	if ok, err := r.Has(context.Background(), ds.NewKey(key)); ok || err != nil {
		t.Fatalf("has %s: got %v, %v; want false, nil", key, ok, err)
	}
}

// allocatedPerCall returns the bytes allocated, on average, by one call of
// f, measured over n calls.
func allocatedPerCall(n int, f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(n)
}

// openCount returns how many query iterators and transactions d tracks.
func openCount(d *Datastore) int {
	d.open.mu.Lock()
	defer d.open.mu.Unlock()
	return len(d.open.m)
}

package badgerds

import (
	"testing"
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

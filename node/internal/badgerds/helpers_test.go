package badgerds

import (
	"testing"
)

// openDisk opens a datastore in a fresh temporary directory, closed at the
// end of the test.
func openDisk(t testing.TB) *Datastore {
	t.Helper()
	return openWith(t, DefaultOptions(t.TempDir()))
}

// openMem opens an in-memory datastore, closed at the end of the test.
func openMem(t testing.TB) *Datastore {
	t.Helper()
	o := DefaultOptions("")
	o.InMemory = true
	return openWith(t, o)
}

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

// kinds runs f once on disk and once in memory.
var kinds = []struct {
	name string
	open func(testing.TB) *Datastore
}{
	{"disk", openDisk},
	{"memory", openMem},
}

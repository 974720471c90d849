package badgerds

import (
	"testing"

	dstest "github.com/ipfs/go-datastore/test"
)

// conformanceKinds are the datastores go-datastore's suite runs against.
//
// The suite's SubtestCombinations rewrites the same few hundred keys over a
// thousand times, and a badger iterator steps over every old version still
// in a memtable, so with the default 8 MiB memtable the suite takes about
// 15 s on disk and 25 s in memory. Smaller memtables are flushed (and their
// old versions compacted away) sooner. In memory the memtable also bounds the
// largest value (15%, see Options.InMemory): 2 MiB still fits the suite's
// 256 KiB values.
var conformanceKinds = []struct {
	name    string
	options func(testing.TB) Options
}{
	{"disk", func(t testing.TB) Options {
		o := DefaultOptions(t.TempDir())
		o.MemTableSize = 1 * mib
		return o
	}},
	{"memory", func(testing.TB) Options {
		o := memOptions()
		o.MemTableSize = 2 * mib
		return o
	}},
}

// TestConformance runs go-datastore's own suite, its batch tests included, on
// a disk and an in-memory datastore, in parallel to keep the package fast.
func TestConformance(t *testing.T) {
	for _, k := range conformanceKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			dstest.SubtestAll(t, openWith(t, k.options(t)))
		})
	}
}

// TestConformanceBatch runs the suite's batch tests again, each on a fresh
// datastore with the default options.
func TestConformanceBatch(t *testing.T) {
	tests := []struct {
		name string
		run  func(*testing.T, *Datastore)
	}{
		{"RunBatchTest", func(t *testing.T, d *Datastore) { dstest.RunBatchTest(t, d) }},
		{"RunBatchDeleteTest", func(t *testing.T, d *Datastore) { dstest.RunBatchDeleteTest(t, d) }},
		{"RunBatchPutAndDeleteTest", func(t *testing.T, d *Datastore) { dstest.RunBatchPutAndDeleteTest(t, d) }},
	}
	for _, k := range kinds {
		for _, tt := range tests {
			t.Run(k.name+"/"+tt.name, func(t *testing.T) {
				tt.run(t, openWith(t, k.options(t)))
			})
		}
	}
}

//go:build linux

package badgerds

import (
	"context"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4/table"
	ds "github.com/ipfs/go-datastore"

	"github.com/cairnpkg/cairn/internal/proctest"
	"github.com/cairnpkg/cairn/internal/waittest"
)

func TestParseMapsLine(t *testing.T) {
	tests := []struct {
		line       string
		start, end uintptr
		path       string
		ok         bool
	}{
		{"7f12a000-7f12c000 rw-s 00000000 fd:01 1234                       /tmp/db/000001.vlog",
			0x7f12a000, 0x7f12c000, "/tmp/db/000001.vlog", true},
		{"7f12a000-7f12c000 rw-s 00000000 fd:01 1234   /tmp/my db/000002.sst (deleted)",
			0x7f12a000, 0x7f12c000, "/tmp/my db/000002.sst (deleted)", true},
		{"7f12a000-7f12c000 rw-p 00000000 00:00 0 ", 0x7f12a000, 0x7f12c000, "", true},
		{"7f12c000-7f12a000 rw-p 00000000 00:00 0 x", 0, 0, "", false},
		{"garbage", 0, 0, "", false},
	}
	for _, tt := range tests {
		start, end, path, ok := parseMapsLine(tt.line)
		if start != tt.start || end != tt.end || path != tt.path || ok != tt.ok {
			t.Errorf("parseMapsLine(%q) = %#x, %#x, %q, %v", tt.line, start, end, path, ok)
		}
	}
}

// TestReleaseMappedPages writes 64 MiB of blocks and checks how much of it
// stays resident as mapped file pages: nearly all without ReleaseMappedBytes
// (which also shows the measurement works), little with it.
func TestReleaseMappedPages(t *testing.T) {
	const written = 64 * mib
	grow := func(release int64) int64 {
		ctx := context.Background()
		o := DefaultOptions(t.TempDir())
		o.ReleaseMappedBytes = release
		d := openWith(t, o)
		block := randBytes(1, 1*mib)
		before := proctest.RSSFile(t)
		b, _ := d.Batch(ctx)
		for i := range written / mib {
			mustPut(t, b, "/blocks/"+itoa(i), block)
		}
		if err := b.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		return proctest.RSSFile(t) - before
	}
	kept := grow(0)
	t.Logf("kept without releasing: %d MiB", kept/mib)
	if kept < written*3/4 {
		t.Fatalf("without releasing, only %d MiB of %d MiB written stayed mapped: is badger unmapping now?", kept/mib, written/mib)
	}
	kept = grow(8 * mib)
	t.Logf("kept releasing every 8 MiB: %d MiB", kept/mib)
	if kept > 24*mib {
		t.Errorf("releasing every 8 MiB, %d MiB of %d MiB written stayed mapped", kept/mib, written/mib)
	}
}

// TestReleaseOnLookups reads back, in random order, 40 MB of small values
// stored inside the tables, and checks how much of the tables stays
// resident: nearly all without ReleaseMappedBytes (lookups of small values
// move few value bytes but map whole runs of table pages), little with it.
// Every value read must still be right after its pages were released.
func TestReleaseOnLookups(t *testing.T) {
	const (
		keys  = 160_000
		size  = 250 // below ValueThreshold: stored in the tables
		every = 8 * mib
	)
	dir := t.TempDir()
	o := DefaultOptions(dir)
	o.ReleaseMappedBytes = 0
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, _ := d.Batch(ctx)
	for i := range keys {
		mustPut(t, b, "/k/"+itoa(i), smallValue(i, size))
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil { // flushes the memtables into tables
		t.Fatal(err)
	}
	tables := tableBytes(t, dir)
	t.Logf("tables: %d MiB", tables/mib)

	lookups := func(release int64) int64 {
		o := DefaultOptions(dir)
		o.ReleaseMappedBytes = release
		d, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		before := proctest.RSSFile(t)
		for n, i := range rand.New(rand.NewPCG(1, 2)).Perm(keys) {
			if n%2 == 0 {
				wantValue(t, d, "/k/"+itoa(i), smallValue(i, size))
			} else if ok, err := d.Has(ctx, ds.NewKey("/k/"+itoa(i))); !ok || err != nil {
				t.Fatalf("has /k/%d: %v, %v", i, ok, err)
			}
		}
		if release == 0 {
			return proctest.RSSFile(t) - before
		}
		// The last release runs on the releaser's goroutine.
		waittest.Until(t, 5*time.Second, "the releaser to catch up", func() bool {
			return proctest.RSSFile(t)-before < 2*release
		})
		return proctest.RSSFile(t) - before
	}
	kept := lookups(0)
	t.Logf("kept without releasing: %d MiB", kept/mib)
	if kept < tables/2 {
		t.Fatalf("without releasing, only %d MiB of %d MiB of tables stayed mapped", kept/mib, tables/mib)
	}
	kept = lookups(every)
	t.Logf("kept releasing every %d MiB: %d MiB", every/mib, kept/mib)
}

// TestHoldTablesKeepsThemMapped checks the reference that makes the
// releaser's MADV_DONTNEED of table pages safe: a table that a compaction
// drops while it is held stays mapped until done, and is unmapped after.
func TestHoldTablesKeepsThemMapped(t *testing.T) {
	dir := t.TempDir()
	o := DefaultOptions(dir)
	o.MemTableSize = 1 * mib
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, _ := d.Batch(ctx)
	for i := range 20_000 { // several tables: the memtable is 1 MiB
		mustPut(t, b, "/a/"+itoa(i), smallValue(i, 200))
		mustPut(t, b, "/k/"+itoa(i), smallValue(i, 200))
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d = openWith(t, DefaultOptions(dir))

	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	held, done := d.holdTables(real)
	if len(held) < 2 {
		t.Fatalf("held %d tables, want every table of the levels (at least 2)", len(held))
	}
	mapped := mappedPaths(t)
	for path := range held {
		if !mapped[path] {
			t.Fatalf("held table %s is not mapped", path)
		}
	}
	// Rewrites the tables holding /a/ keys without them: those leave the
	// levels.
	if err := d.db.DropPrefix([]byte("/a/")); err != nil {
		t.Fatal(err)
	}
	left := maps.Clone(held)
	for _, info := range d.db.Tables() {
		delete(left, table.NewFilename(info.ID, real))
	}
	if len(left) == 0 {
		t.Fatal("no held table left the levels; the test needs a compaction")
	}
	wantValue(t, d, "/k/7", smallValue(7, 200))
	mapped = mappedPaths(t)
	for path := range left {
		if !mapped[path] {
			t.Fatalf("held table %s was unmapped by a compaction while held", path)
		}
	}
	done()
	waittest.Until(t, 5*time.Second, "the compacted tables to be unmapped", func() bool {
		mapped := mappedPaths(t)
		for path := range left {
			if mapped[path] {
				return false
			}
		}
		return true
	})
}

// smallValue is the value of key i in the lookup tests.
func smallValue(i, size int) []byte {
	v := make([]byte, size)
	for j := range v {
		v[j] = byte(i*31 + j*7 + i>>8)
	}
	return v
}

// tableBytes returns the size of the table files in dir.
func tableBytes(t *testing.T, dir string) int64 {
	matches, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, m := range matches {
		st, err := os.Stat(m)
		if err != nil {
			t.Fatal(err)
		}
		n += st.Size()
	}
	return n
}

// mappedPaths returns the files mapped into this process.
func mappedPaths(t *testing.T) map[string]bool {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for _, line := range strings.Split(string(maps), "\n") {
		if _, _, path, ok := parseMapsLine(line); ok && path != "" {
			paths[path] = true
		}
	}
	return paths
}

package badgerds

import (
	"path/filepath"
	"sync"
	"sync/atomic"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/table"
)

// releaser keeps the database's memory-mapped files from inflating RSS.
//
// Badger reads and writes the value log through mmap, and on Linux it never
// unmaps a value log file it has finished writing (it shrinks the mapping
// with mremap, which keeps the resident pages). Every block written or read
// therefore stays in this process's RSS as file-backed pages until the kernel
// runs short of memory: importing 1 GiB measured 1.1 GiB RSS, of which only
// 40 MiB was heap. So after every Options.ReleaseMappedBytes of values moved,
// the releaser drops the value log's pages from this process's page tables
// (Linux madvise MADV_DONTNEED, see release_linux.go): they stay in the page
// cache, dirty ones included, and the kernel writes them back as usual. It
// never syncs: writing back pages that are still mapped makes the kernel
// write-protect each one and flush TLBs on every CPU, which in a VM cost a
// fifth of an import's CPU time. Tables (read-only once written) get the same
// while the releaser holds a reference to each, so badger cannot unmap them
// meanwhile (see holdTables); other files get MADV_PAGEOUT.
//
// Lookups move few value bytes but map table pages: every page fault on a
// file mapping maps the 16 pages around it (the kernel's fault-around), so
// a lookup of a small value maps 64 KiB or more of index and data blocks. A
// daemon answering API requests over 100,000 small packages went to 370 MiB
// RSS between two releases driven by value bytes alone. So every
// lookupsPerLook lookups the releaser also reads how much of the process is
// mapped file pages, and once that has grown by every bytes since the last
// release, a goroutine of the releaser's own releases them.
type releaser struct {
	dir     string // absolute, symlink-free database directory
	every   int64
	pending atomic.Int64
	lookups atomic.Int64
	base    atomic.Int64  // mappedFileBytes() just after the last release
	mu      sync.Mutex    // one release at a time
	wake    chan struct{} // a lookup asks releaseLoop for a release
	stop    chan struct{} // closed by Close
}

// lookupsPerLook is how many lookups pass between two reads of
// mappedFileBytes (a read of /proc/self/statm, a few microseconds).
const lookupsPerLook = 256

// newReleaser returns nil (no releasing) when every is 0 or dir is unknown.
func newReleaser(dir string, every int64) *releaser {
	if every <= 0 || dir == "" {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	r := &releaser{dir: abs, every: every, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	r.base.Store(mappedFileBytes())
	return r
}

// moved records one lookup, write or commit that moved n bytes of values.
// Once ReleaseMappedBytes of values have accumulated it releases the mapped
// pages itself (writers pay for the pages they map); once the mapped file
// pages have grown by as much it wakes releaseLoop instead, so no read waits
// on the release (a few milliseconds of madvise at 100,000 packages). The
// caller holds the datastore's shared lock, so the database is open.
func (d *Datastore) moved(n int) {
	r := d.release
	if r == nil {
		return
	}
	if r.pending.Add(int64(n)) >= r.every {
		if r.mu.TryLock() { // else another goroutine is releasing right now
			d.releaseMapped(r)
			r.mu.Unlock()
		}
		return
	}
	if r.lookups.Add(1)%lookupsPerLook == 0 && mappedFileBytes()-r.base.Load() >= r.every {
		select {
		case r.wake <- struct{}{}:
		default: // a release is already due
		}
	}
}

// releaseLoop releases the mapped pages when a lookup asks it to, until the
// datastore is closed.
func (d *Datastore) releaseLoop(r *releaser) {
	for {
		select {
		case <-r.stop:
			return
		case <-r.wake:
		}
		end, err := d.begin()
		if err != nil {
			return
		}
		r.mu.Lock()
		d.releaseMapped(r)
		r.mu.Unlock()
		end()
	}
}

// releaseMapped drops the database files' pages from this process's page
// tables. The caller holds r.mu and the datastore's shared lock.
func (d *Datastore) releaseMapped(r *releaser) {
	r.pending.Store(0)
	// With mapMu held exclusively no value log file is being written, grown,
	// rotated or deleted, so the ranges read from /proc/self/maps stay mapped
	// to those files while they are released.
	d.mapMu.Lock()
	held, done := d.holdTables(r.dir)
	releaseMapped(r.dir, held)
	done()
	d.mapMu.Unlock()
	r.base.Store(mappedFileBytes())
}

// holdTables returns the paths of table files that stay mapped until done is
// called.
//
// Badger unmaps a table when its last reference goes: a compaction drops the
// level's reference, a read or an iterator its own. An iterator over the
// whole database takes a reference to every table in the levels when it is
// created. A table listed in the levels both before and after that is one
// of them, since compactions only ever add tables under new IDs: it stays
// mapped until the iterator is closed. Tables that have already left the
// levels, kept alive by someone else's read, are not returned.
func (d *Datastore) holdTables(dir string) (held map[string]bool, done func()) {
	before := d.db.Tables()
	txn := d.db.NewTransaction(false)
	it := txn.NewIterator(badger.IteratorOptions{})
	inLevels := make(map[uint64]bool, len(before))
	for _, t := range before {
		inLevels[t.ID] = true
	}
	held = make(map[string]bool, len(before))
	for _, t := range d.db.Tables() {
		if inLevels[t.ID] {
			held[table.NewFilename(t.ID, dir)] = true
		}
	}
	return held, func() {
		it.Close()
		txn.Discard()
	}
}

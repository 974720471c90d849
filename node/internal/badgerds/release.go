package badgerds

import (
	"path/filepath"
	"sync"
	"sync/atomic"
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
// fifth of an import's CPU time. Other database files (tables, read-only
// once written) get MADV_PAGEOUT.
type releaser struct {
	dir     string // absolute, symlink-free database directory
	every   int64
	pending atomic.Int64
	mu      sync.Mutex // one release at a time
}

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
	return &releaser{dir: abs, every: every}
}

// moved records n bytes of values written or read and releases the mapped
// pages once ReleaseMappedBytes have accumulated. The caller holds the
// datastore's shared lock, so the database is open.
func (d *Datastore) moved(n int) {
	r := d.release
	if r == nil || r.pending.Add(int64(n)) < r.every {
		return
	}
	if !r.mu.TryLock() {
		return // another goroutine is releasing right now
	}
	defer r.mu.Unlock()
	r.pending.Store(0)
	// With mapMu held exclusively no value log file is being written, grown,
	// rotated or deleted, so the ranges read from /proc/self/maps stay mapped
	// to those files while they are released.
	d.mapMu.Lock()
	defer d.mapMu.Unlock()
	releaseMapped(r.dir)
}

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
// the releaser syncs the database (making its pages clean) and asks the
// kernel to reclaim the pages of the database's files mapped here (Linux
// madvise MADV_PAGEOUT, see release_linux.go). Those pages leave the page
// cache too, so a later read of the same blocks goes to disk.
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
	// Dirty pages cannot be reclaimed; a sync makes them clean. Errors are
	// ignored: releasing is best effort, and a failing disk fails the next
	// write or Sync anyway.
	_ = d.db.Sync()
	pageOut(r.dir)
}

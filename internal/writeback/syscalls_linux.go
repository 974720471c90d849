package writeback

import (
	"os"

	"golang.org/x/sys/unix"
)

// start asks the kernel to start writing [off, off+n) of f to disk,
// without waiting.
func start(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}

// drop waits until [off, off+n) of f is on disk and drops it from the page
// cache. Errors are ignored: this only bounds the page cache, it is not what
// makes the data durable (an fsync is).
func drop(f *os.File, off, n int64) {
	fd := int(f.Fd())
	_ = unix.SyncFileRange(fd, off, n, unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
	_ = unix.Fadvise(fd, off, n, unix.FADV_DONTNEED)
}

// dropClean asks the kernel to drop [off, off+n) of f from the page cache,
// without waiting: it drops the pages already written out.
func dropClean(f *os.File, off, n int64) {
	_ = unix.Fadvise(int(f.Fd()), off, n, unix.FADV_DONTNEED)
}

package content

import (
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapped is a regular file mapped read-only, for an import that takes its
// chunks straight from the page cache (MapFiles) instead of reading each
// into a fresh buffer with read(2), which costs a copy and the zeroing of
// the buffer (1 GiB: 0.6 CPU-s, against 0.06 to populate the mapping's page
// tables).
//
// A chunk's pages are given back (MADV_DONTNEED: they stay in the page
// cache, and leave the import's RSS) once both its users are done with it:
// the plain SHA-256 and the store, which copied it (mappings.written). The
// chunk's CID hash comes before the store in the same line. Once every
// chunk is given back, the file is unmapped and closed: a directory of many
// large files holds few mappings and descriptors at a time.
type mapped struct {
	f    *os.File
	data []byte
	// users counts, for each chunk, those not yet done with it; left sums
	// them over the mapped chunks (all but the last, which is copied).
	users []atomic.Int32
	left  atomic.Int64
	mu    sync.Mutex
	gone  atomic.Bool // unmapped
}

// chunkUsers are the users of a mapped chunk: the plain SHA-256 and the
// store.
const chunkUsers = 2

// mapFile maps f, of size bytes. It returns nil where mapping is not
// possible or not worth it (a file of one chunk); the file is then read.
func mapFile(f *os.File, size int64) *mapped {
	if size <= ChunkSize || int64(int(size)) != size {
		return nil
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil
	}
	m := &mapped{f: f, data: data, users: make([]atomic.Int32, (size+ChunkSize-1)/ChunkSize)}
	for i := range m.users {
		m.users[i].Store(chunkUsers)
	}
	m.left.Store(int64(len(m.users)-1) * chunkUsers)
	return m
}

// unmap removes the mapping and closes the file, if release has not; nothing
// may use its bytes afterwards.
func (m *mapped) unmap() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gone.Load() {
		return
	}
	unix.Munmap(m.data)
	m.f.Close()
	m.gone.Store(true)
}

// unmapped reports whether the mapping is gone.
func (m *mapped) unmapped() bool { return m.gone.Load() }

// shrank reports whether the file is now shorter than when it was mapped
// (a mapping that release removed was read whole).
func (m *mapped) shrank() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gone.Load() {
		return false
	}
	fi, err := m.f.Stat()
	return err == nil && fi.Size() < int64(len(m.data))
}

// release tells m that one of its users is done with b, if b is one of its
// chunks, and reports whether it is. The last user gives the chunk's pages
// back (a later read faults them in again), and the last release of all
// unmaps the file.
func (m *mapped) release(b []byte) bool {
	if len(b) == 0 || m.gone.Load() {
		return false
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	base := uintptr(unsafe.Pointer(unsafe.SliceData(m.data)))
	if start < base || start >= base+uintptr(len(m.data)) {
		return false
	}
	i := int(start-base) / ChunkSize
	if m.users[i].Add(-1) == 0 {
		unix.Madvise(b, unix.MADV_DONTNEED)
	}
	if m.left.Add(-1) == 0 {
		m.unmap()
	}
	return true
}

// mappedChunks yields a mapped file's chunks, ChunkSize bytes at a time.
// Each chunk is a slice of the mapping, its page tables populated by next
// (one madvise instead of a fault every 16 pages on the hashing goroutines;
// a file not in the page cache is read from disk here), except the last,
// which is copied: it may be the root of a one-chunk DAG or a small block
// the store keeps in badger, so it must outlive the mapping.
type mappedChunks struct {
	m   *mapped
	off int // of the next chunk
}

func newMappedChunks(m *mapped) *mappedChunks { return &mappedChunks{m: m} }

func (c *mappedChunks) next() ([]byte, error) {
	data := c.m.data
	if c.off >= len(data) {
		return nil, io.EOF
	}
	end := min(c.off+ChunkSize, len(data))
	b := data[c.off:end]
	switch err := unix.Madvise(b, unix.MADV_POPULATE_READ); {
	case err == nil, errors.Is(err, unix.EINVAL): // EINVAL: before Linux 5.14
	case errors.Is(err, unix.EFAULT):
		return nil, ErrFileChanged // truncated: reading would fault
	default:
		return nil, err
	}
	if end == len(data) {
		b = append([]byte(nil), b...)
	}
	c.off = end
	return b, nil
}

package writeback

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cairnpkg/cairn/internal/proctest"
)

// resident returns how many bytes of the file at path are in the page cache.
func resident(t *testing.T, path string) int64 {
	t.Helper()
	var n int64
	for _, c := range proctest.CachedPages(t, path) {
		if c {
			n += int64(os.Getpagesize())
		}
	}
	return n
}

// TestWriterTrims writes 5.5 chunks through a Writer: every byte lands, at
// most two chunks and the part written since stay in the page cache, and
// after Sync and Drop none does.
func TestWriterTrims(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const size = 5*Chunk + Chunk/2
	src := io.LimitReader(repeat{}, size)
	want := sha256.New()
	w := NewWriter(f)
	buf := make([]byte, 1<<20+13) // writes that straddle chunk ends
	if _, err := io.CopyBuffer(io.MultiWriter(w, want), src, buf); err != nil {
		t.Fatal(err)
	}
	// Chunks 0-3 are dropped; 4 was started and waited for by none, the
	// half chunk after it is not yet started.
	if got := resident(t, path); got > 2*Chunk {
		t.Errorf("%d MiB of the file in the page cache while writing, want at most %d", got>>20, 2*Chunk>>20)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	w.Drop()
	if got := resident(t, path); got > 1<<20 {
		t.Errorf("%d KiB of the file in the page cache after Drop, want none", got>>10)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) != size {
		t.Fatalf("file has %d bytes, want %d", len(data), size)
	}
	if got := sha256.Sum256(data); !bytes.Equal(got[:], want.Sum(nil)) {
		t.Fatal("the file's bytes differ from those written")
	}
}

// repeat is an endless reader of a byte pattern.
type repeat struct{}

func (repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i*31 + i>>9)
	}
	return len(p), nil
}

// TestBackgroundWriter: a background Writer never waits, yet what is
// written out by the time it passes the next chunk leaves the page cache.
// Here the file is synced after 2.5 chunks, so chunks 0-2 (but the second
// half of 2) are clean when the writer asks to drop them.
func TestBackgroundWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := sha256.New()
	w := NewBackgroundWriter(f)
	out := io.MultiWriter(w, want)
	if _, err := io.Copy(out, io.LimitReader(repeat{}, 2*Chunk+Chunk/2)); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, io.LimitReader(repeat{}, 3*Chunk)); err != nil {
		t.Fatal(err)
	}
	if w.t.Started() != 5*Chunk || w.t.Dropped() != 3*Chunk {
		t.Errorf("started %d, dropped %d chunks; want 5 and 3", w.t.Started()/Chunk, w.t.Dropped()/Chunk)
	}
	// At most: the second half of chunk 2, chunks 3 and 4, half of 5.
	if got := resident(t, path); got > 3*Chunk {
		t.Errorf("%d MiB of the file in the page cache, want at most %d", got>>20, 3*Chunk>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := sha256.Sum256(data); !bytes.Equal(got[:], want.Sum(nil)) {
		t.Fatal("the file's bytes differ from those written")
	}
}

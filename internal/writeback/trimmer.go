package writeback

import "os"

// Chunk is how much of a file is written before the kernel is told to
// write it out, and the chunk before it is waited for and dropped.
const Chunk = 32 << 20

// Trimmer trims the page cache of one file being written from its start.
type Trimmer struct {
	f       *os.File
	started int64 // bytes whose writeback was started
	dropped int64 // bytes written out and dropped from the page cache
}

// NewTrimmer returns a Trimmer for f, which is written from offset 0.
func NewTrimmer(f *os.File) *Trimmer { return &Trimmer{f: f} }

// Written tells t that the first n bytes of the file have been written
// (n never decreases): it starts the writeback of each chunk now complete
// and waits for and drops the chunks before the last one started.
func (t *Trimmer) Written(n int64) {
	for n-t.started >= Chunk {
		start(t.f, t.started, Chunk)
		t.started += Chunk
		if t.started-t.dropped > Chunk {
			drop(t.f, t.dropped, t.started-Chunk-t.dropped)
			t.dropped = t.started - Chunk
		}
	}
}

// Drop drops the first n bytes of the file that are still in the page
// cache, waiting for any still being written out: call it once the file is
// synced, with its size.
func (t *Trimmer) Drop(n int64) {
	if n > t.dropped {
		drop(t.f, t.dropped, n-t.dropped)
	}
	t.started, t.dropped = max(t.started, n), max(t.dropped, n)
}

// Started returns how many bytes from the start of the file have had their
// writeback started.
func (t *Trimmer) Started() int64 { return t.started }

// Dropped returns how many bytes from the start of the file have been
// written out and dropped from the page cache.
func (t *Trimmer) Dropped() int64 { return t.dropped }

package writeback

import "os"

// Chunk is how much of a file is written before the kernel is told to
// write it out, and the chunk before it is waited for and dropped.
const Chunk = 32 << 20

// Trimmer trims the page cache of one file being written from its start.
type Trimmer struct {
	f       *os.File
	wait    bool  // wait for a chunk to be on disk before dropping it
	started int64 // bytes whose writeback was started
	dropped int64 // bytes dropped from the page cache (or asked to be)
}

// NewTrimmer returns a Trimmer for f, which is written from offset 0 and
// synced at the end: it waits for each chunk but the last one started to
// be on disk, and drops it. The writer so goes no faster than the disk,
// and the final fsync has at most two chunks left to write.
func NewTrimmer(f *os.File) *Trimmer { return &Trimmer{f: f, wait: true} }

// NewBackgroundTrimmer returns a Trimmer for f, which is written from
// offset 0 and not necessarily synced: it never waits. It starts the
// writeback of each chunk and asks the kernel to drop the chunks before the
// last two started, which it does for the pages already written out; on a
// disk slower than the writer, the rest stay in the page cache as if the
// file were not trimmed.
func NewBackgroundTrimmer(f *os.File) *Trimmer { return &Trimmer{f: f} }

// Written tells t that the first n bytes of the file have been written
// (n never decreases): it starts the writeback of each chunk now complete
// and drops the chunks before it, as NewTrimmer or NewBackgroundTrimmer
// says.
func (t *Trimmer) Written(n int64) {
	behind := int64(Chunk) // the chunks kept: the last one started
	if !t.wait {
		behind = 2 * Chunk // and the one before, still being written
	}
	for n-t.started >= Chunk {
		start(t.f, t.started, Chunk)
		t.started += Chunk
		if t.started-t.dropped > behind {
			if t.wait {
				drop(t.f, t.dropped, t.started-behind-t.dropped)
			} else {
				dropClean(t.f, t.dropped, t.started-behind-t.dropped)
			}
			t.dropped = t.started - behind
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
// dropped from the page cache (for a background Trimmer: asked to be).
func (t *Trimmer) Dropped() int64 { return t.dropped }

package writeback

import "os"

// Writer writes to a file from its start, trimming its page cache as it
// goes.
type Writer struct {
	f *os.File
	t *Trimmer
	n int64
}

// NewWriter returns a Writer for f, a new or empty file that is synced at
// the end (NewTrimmer).
func NewWriter(f *os.File) *Writer { return &Writer{f: f, t: NewTrimmer(f)} }

// NewBackgroundWriter returns a Writer for f, a new or empty file that need
// not be synced: it never waits for the disk (NewBackgroundTrimmer).
func NewBackgroundWriter(f *os.File) *Writer { return &Writer{f: f, t: NewBackgroundTrimmer(f)} }

// Write implements io.Writer.
func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.n += int64(n)
	w.t.Written(w.n)
	return n, err
}

// Drop drops what is left of the file from the page cache; call it after
// the file is synced.
func (w *Writer) Drop() { w.t.Drop(w.n) }

package store

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/cairnpkg/cairn/internal/proctest"
)

// alignedBuf returns n bytes that start on a page boundary in memory,
// filled from tag.
func alignedBuf(n int, tag byte) []byte {
	b := make([]byte, n+directAlign)
	for !directAligned(b[:directAlign]) {
		b = b[1:]
	}
	b = b[:n:n]
	for i := range b {
		b[i] = byte(i*7) ^ tag
	}
	return b
}

// TestPackDirectWrites: with DirectWrites, a block of whole pages that
// starts on a page boundary goes to the disk with O_DIRECT, at a page
// boundary of the file (after padding if the pack's end is not on one),
// and leaves nothing in the page cache; any other block goes through the
// buffer and the page cache; every block reads back, before and after the
// sync. Without DirectWrites, or where O_DIRECT is refused, every block
// goes through the page cache.
func TestPackDirectWrites(t *testing.T) {
	for _, tc := range []struct {
		name   string
		enable bool
		refuse bool
	}{
		{"direct", true, false},
		{"not asked", false, false},
		{"refused", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.refuse {
				defer func(f func(*os.File, bool) error) { setFileDirect = f }(setFileDirect)
				setFileDirect = func(*os.File, bool) error { return errors.New("refused") }
			}
			dir := t.TempDir()
			if err := makePacksDir(dir); err != nil {
				t.Fatal(err)
			}
			const id = "00000000000000ab"
			w, err := newPackWriter(dir, id)
			if err != nil {
				t.Fatal(err)
			}
			if tc.enable {
				w.directWrites()
			}
			odd := alignedBuf(70<<10+1, 9)
			blocks := []struct {
				data   []byte
				direct bool // written with O_DIRECT when enabled
			}{
				{alignedBuf(1<<20, 1), true},
				{alignedBuf(100<<10+3, 2), false}, // not whole pages: the pack's end is no longer aligned
				{alignedBuf(64<<10, 3), true},     // padded to a page boundary
				{odd[1:], false},                  // not on a page boundary in memory
				{alignedBuf(256<<10, 4), true},
				{alignedBuf(1<<20, 5), true},
			}
			locs := make([]packLoc, len(blocks))
			for i, b := range blocks {
				if locs[i], err = w.append(b.data); err != nil {
					t.Fatalf("block %d: %v", i, err)
				}
				if err := w.flushTo(locs[i].offset + locs[i].length); err != nil {
					t.Fatal(err)
				}
			}
			direct := tc.enable && !tc.refuse
			page := uint64(os.Getpagesize())
			cached := proctest.CachedPages(t, packPath(dir, id))
			for i, b := range blocks {
				l := locs[i]
				if direct && b.direct && l.offset%directAlign != 0 {
					t.Errorf("block %d at offset %d, not on a page boundary", i, l.offset)
				}
				if i > 0 && l.offset < locs[i-1].offset+locs[i-1].length {
					t.Errorf("block %d at %d overlaps the one before", i, l.offset)
				}
				inCache := 0
				for p := l.offset / page; p < (l.offset+l.length)/page; p++ {
					if cached[p] {
						inCache++
					}
				}
				if want := direct && b.direct; want != (inCache == 0) {
					t.Errorf("block %d: %d of its pages in the page cache; written directly: %v", i, inCache, want)
				}
			}
			// Reading the blocks puts them in the page cache: after the check.
			for i, b := range blocks {
				if got, err := readPack(dir, locs[i]); err != nil || !bytes.Equal(got, b.data) {
					t.Fatalf("block %d read back during the Txn: %v", i, err)
				}
			}
			if err := w.sync(); err != nil {
				t.Fatal(err)
			}
			if err := w.close(); err != nil {
				t.Fatal(err)
			}
			for i, b := range blocks {
				if got, err := readPack(dir, locs[i]); err != nil || !bytes.Equal(got, b.data) {
					t.Fatalf("block %d read back after the sync: %v", i, err)
				}
			}
		})
	}
}

package exepages

import (
	"sync/atomic"
	"testing"

	"github.com/cairnpkg/cairn/internal/proctest"
)

// TestRelease: the test binary's own read-only pages leave its RSS, and the
// code keeps running (what it runs is mapped again).
func TestRelease(t *testing.T) {
	before := proctest.RSSFile(t)
	n, err := Release()
	if err != nil {
		t.Fatal(err)
	}
	after := proctest.RSSFile(t)
	if n == 0 {
		t.Fatal("released no mapping of the executable")
	}
	t.Logf("released %d MiB of mappings; file-backed RSS %d -> %d KiB", n>>20, before>>10, after>>10)
	if after >= before {
		t.Errorf("file-backed RSS did not shrink: %d -> %d KiB", before>>10, after>>10)
	}
	// Writable mappings are kept: a package variable still holds its value.
	if keep.Load() != 42 {
		t.Errorf("a variable lost its value: %d", keep.Load())
	}
}

var keep = func() *atomic.Int64 { var a atomic.Int64; a.Store(42); return &a }()

package exepages

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// rssFile returns the process's file-backed resident bytes.
func rssFile(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

// TestRelease: the test binary's own read-only pages leave its RSS, and the
// code keeps running (what it runs is mapped again).
func TestRelease(t *testing.T) {
	before := rssFile(t)
	n, err := Release()
	if err != nil {
		t.Fatal(err)
	}
	after := rssFile(t)
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

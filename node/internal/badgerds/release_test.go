//go:build linux

package badgerds

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestParseMapsLine(t *testing.T) {
	tests := []struct {
		line       string
		start, end uintptr
		path       string
		ok         bool
	}{
		{"7f12a000-7f12c000 rw-s 00000000 fd:01 1234                       /tmp/db/000001.vlog",
			0x7f12a000, 0x7f12c000, "/tmp/db/000001.vlog", true},
		{"7f12a000-7f12c000 rw-s 00000000 fd:01 1234   /tmp/my db/000002.sst (deleted)",
			0x7f12a000, 0x7f12c000, "/tmp/my db/000002.sst (deleted)", true},
		{"7f12a000-7f12c000 rw-p 00000000 00:00 0 ", 0x7f12a000, 0x7f12c000, "", true},
		{"7f12c000-7f12a000 rw-p 00000000 00:00 0 x", 0, 0, "", false},
		{"garbage", 0, 0, "", false},
	}
	for _, tt := range tests {
		start, end, path, ok := parseMapsLine(tt.line)
		if start != tt.start || end != tt.end || path != tt.path || ok != tt.ok {
			t.Errorf("parseMapsLine(%q) = %#x, %#x, %q, %v", tt.line, start, end, path, ok)
		}
	}
}

// TestReleaseMappedPages writes 64 MiB of blocks and checks how much of it
// stays resident as mapped file pages: nearly all without ReleaseMappedBytes
// (which also shows the measurement works), little with it.
func TestReleaseMappedPages(t *testing.T) {
	const written = 64 * mib
	grow := func(release int64) int64 {
		ctx := context.Background()
		o := DefaultOptions(t.TempDir())
		o.ReleaseMappedBytes = release
		d := openWith(t, o)
		block := randBytes(1, 1*mib)
		before := rssFile(t)
		b, _ := d.Batch(ctx)
		for i := range written / mib {
			mustPut(t, b, "/blocks/"+itoa(i), block)
		}
		if err := b.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		return rssFile(t) - before
	}
	kept := grow(0)
	t.Logf("kept without releasing: %d MiB", kept/mib)
	if kept < written*3/4 {
		t.Fatalf("without releasing, only %d MiB of %d MiB written stayed mapped: is badger unmapping now?", kept/mib, written/mib)
	}
	kept = grow(8 * mib)
	t.Logf("kept releasing every 8 MiB: %d MiB", kept/mib)
	if kept > 24*mib {
		t.Errorf("releasing every 8 MiB, %d MiB of %d MiB written stayed mapped", kept/mib, written/mib)
	}
}

// rssFile returns RssFile from /proc/self/status, in bytes.
func rssFile(t *testing.T) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb * kib
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

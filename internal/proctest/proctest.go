//go:build linux

// Package proctest reads the test process's own memory figures from /proc,
// for tests that check what a change keeps out of the RSS. Production code
// never imports it.
package proctest

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// RSSFile returns the process's file-backed resident bytes (RssFile in
// /proc/self/status).
func RSSFile(t testing.TB) int64 {
	t.Helper()
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
			return kb << 10
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

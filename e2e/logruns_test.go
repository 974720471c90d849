package e2e

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
)

// TestLogCaughtUpInRuns: a node that holds nothing of a publisher's log of
// 40 entries fetches its newest release from the publisher's daemon; the
// log comes over /cairn/log/1.0.0, in runs (the publisher's
// cairn_log_entries_served_total counts at least the 40 entries), and the
// fetched package verifies.
func TestLogCaughtUpInRuns(t *testing.T) {
	const releases = 40
	a, b := newRepo(t), newRepo(t)
	src := filepath.Join(t.TempDir(), "app.txt")
	for i := range releases {
		writeFile(t, src, fmt.Appendf(nil, "release %d\n", i))
		a.publish("acme/app", fmt.Sprintf("1.0.%d", i), []string{src})
	}
	b.ok("trust", "add", "acme/*", a.did("default"))
	da, db := startDaemon(t, a), startDaemon(t, b)
	if p := da.r.on(t).ok("id", "--json").stdout; !regexp.MustCompile(`"/cairn/log/1\.0\.0"`).MatchString(p) {
		t.Fatalf("the daemon does not speak /cairn/log/1.0.0: %s", p)
	}
	connect(t, db, da)

	var got struct {
		Kept bool `json:"kept"`
	}
	last := fmt.Sprintf("acme/app@1.0.%d", releases-1)
	b.json(&got, "fetch", last)
	if !got.Kept {
		t.Fatalf("fetch %s: %+v", last, got)
	}
	var lv logView
	b.json(&lv, "log", a.did("default"), "--limit", "1")
	if lv.Head != releases {
		t.Errorf("B holds A's log to entry %d, want %d", lv.Head, releases)
	}

	if n := metric(t, da, "cairn_log_entries_served_total"); n < releases {
		t.Errorf("A served %v log entries in runs, want at least %d", n, releases)
	}
}

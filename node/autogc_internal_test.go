package node

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/dag"
)

// TestAutoGC: a daemon's collection runs when gc_interval has passed, or
// when disk usage passes gc_watermark_mib, and not again past the
// watermark until usage grows by more than 1 %.
func TestAutoGC(t *testing.T) {
	ctx := context.Background()
	r := testRepo(t, nil)
	name, err := dag.ParseName("acme/junk")
	if err != nil {
		t.Fatal(err)
	}
	garbage := func(version string) {
		t.Helper()
		file := filepath.Join(t.TempDir(), "junk")
		data := make([]byte, 300<<10)
		rand.Read(data)
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Publish(ctx, PublishRequest{Paths: []string{file}, Name: name, Version: version}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Remove(ctx, "acme/junk@"+version, false); err != nil {
			t.Fatal(err)
		}
	}
	unpinned := func() uint64 {
		t.Helper()
		u, err := r.store.Usage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return u.UnpinnedBytes
	}
	log := slog.New(slog.DiscardHandler)

	garbage("1.0.0")
	a := &autoGC{repo: r, log: log, every: time.Hour, last: time.Now()}
	a.check(ctx)
	if unpinned() == 0 {
		t.Fatal("collected before gc_interval passed")
	}
	a.last = time.Now().Add(-2 * time.Hour)
	a.check(ctx)
	if n := unpinned(); n != 0 {
		t.Fatalf("%d unpinned bytes left after gc_interval passed", n)
	}

	garbage("2.0.0")
	w := &autoGC{repo: r, log: log, watermark: 1, last: time.Now()} // any usage passes it
	w.check(ctx)
	if n := unpinned(); n != 0 {
		t.Fatalf("%d unpinned bytes left past the watermark", n)
	}
	garbage("3.0.0")
	w.after = 1 << 40 // as if the last collection left far more: usage has not grown past it
	w.check(ctx)
	if unpinned() == 0 {
		t.Error("collected again past the watermark although usage did not grow")
	}
	high := &autoGC{repo: r, log: log, watermark: 1 << 50, last: time.Now()}
	high.check(ctx)
	if unpinned() == 0 {
		t.Error("collected under the watermark")
	}
}

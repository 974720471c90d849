package storage

import (
	"context"
	"crypto/rand"
	"log/slog"
	"testing"
	"time"

	blocks "github.com/ipfs/go-block-format"

	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/store/storetest"
)

// TestAuto: a daemon's collection runs when gc_interval has passed, or
// when disk usage passes gc_watermark_mib, and not again past the
// watermark until usage grows by more than 1 %.
func TestAuto(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	garbage := func() {
		t.Helper()
		data := make([]byte, 300<<10)
		rand.Read(data)
		c, _ := dagtest.Content(t, data)
		b, err := blocks.NewBlockWithCid(data, c)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := st.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Abort(ctx)
		if err := tx.Blockstore().Put(ctx, b); err != nil { // pinned by nothing
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	unpinned := func() uint64 {
		t.Helper()
		u, err := st.Usage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return u.UnpinnedBytes
	}
	log := slog.New(slog.DiscardHandler)

	garbage()
	a := &Auto{Store: st, Log: log, Every: time.Hour, Last: time.Now()}
	a.Check(ctx)
	if unpinned() == 0 {
		t.Fatal("collected before gc_interval passed")
	}
	a.Last = time.Now().Add(-2 * time.Hour)
	a.Check(ctx)
	if n := unpinned(); n != 0 {
		t.Fatalf("%d unpinned bytes left after gc_interval passed", n)
	}

	garbage()
	w := &Auto{Store: st, Log: log, Watermark: 1, Last: time.Now()} // any usage passes it
	w.Check(ctx)
	if n := unpinned(); n != 0 {
		t.Fatalf("%d unpinned bytes left past the watermark", n)
	}
	garbage()
	w.after = 1 << 40 // as if the last collection left far more: usage has not grown past it
	w.Check(ctx)
	if unpinned() == 0 {
		t.Error("collected again past the watermark although usage did not grow")
	}
	high := &Auto{Store: st, Log: log, Watermark: 1 << 50, Last: time.Now()}
	high.Check(ctx)
	if unpinned() == 0 {
		t.Error("collected under the watermark")
	}
}

var _ Collector = (*store.Store)(nil)

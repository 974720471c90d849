package storage

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cairnpkg/cairn/node/internal/store"
)

// CheckEvery is how often a daemon asks Auto whether to collect garbage.
const CheckEvery = time.Minute

// Collector is what Auto collects with.
type Collector interface {
	GC(ctx context.Context, o store.GCOptions) (store.GCStats, error)
	DiskUsage(ctx context.Context) (uint64, error)
}

// Auto is a daemon's collection on a schedule (store.gc_interval) or past
// a disk-usage watermark (store.gc_watermark_mib).
type Auto struct {
	Store Collector
	Log   *slog.Logger
	// Every: collect when this long has passed since Last; 0 never.
	Every time.Duration
	// Watermark: collect when disk usage passes this many bytes; 0 never.
	Watermark uint64
	// Last is when the last collection started.
	Last time.Time
	// after is the disk usage the last collection left: over the
	// watermark, the next one waits until usage grows past it by 1%.
	after uint64
}

// Check collects garbage if the schedule or the watermark says so.
func (a *Auto) Check(ctx context.Context) {
	why := ""
	if a.Every > 0 && time.Since(a.Last) >= a.Every {
		why = "gc_interval"
	}
	if a.Watermark > 0 && why == "" {
		du, err := a.Store.DiskUsage(ctx)
		if err != nil {
			a.Log.Warn("disk usage", "err", err)
			return
		}
		if du < a.Watermark || du <= a.after+a.after/100 {
			return
		}
		why = fmt.Sprintf("disk usage %d bytes passed gc_watermark_mib", du)
	}
	if why == "" {
		return
	}
	a.Last = time.Now()
	a.Log.Info("collecting garbage", "why", why)
	if _, err := a.Store.GC(ctx, store.GCOptions{}); err != nil && ctx.Err() == nil {
		a.Log.Warn("garbage collection", "err", err)
	}
	if du, err := a.Store.DiskUsage(ctx); err == nil {
		a.after = du
	}
}

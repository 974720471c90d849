package fetch

import (
	"context"
	"errors"
	"fmt"
)

// ErrStorageMax: a fetch would take the repo's disk usage past its
// storage_max (docs/repo.md §8). It has no kind (exit 1): the same fetch
// works once space is freed or the bound raised.
var ErrStorageMax = errors.New("storage_max reached")

// space is what a fetch may write under storage_max.
type space struct {
	max  uint64 // 0: no bound
	used uint64 // the repo's disk usage when the fetch began
}

// room returns the space a fetch of target has: it fails with ErrStorageMax
// if the repo's disk usage has reached Config.StorageMax.
func (f *Fetcher) room(ctx context.Context, target fmt.Stringer) (space, error) {
	if f.cfg.StorageMax == 0 || f.cfg.Usage == nil {
		return space{}, nil
	}
	used, err := f.cfg.Usage(ctx)
	if err != nil {
		return space{}, fmt.Errorf("disk usage: %w", err)
	}
	sp := space{max: f.cfg.StorageMax, used: used}
	if used >= sp.max {
		return sp, sp.refuse(target, 0)
	}
	return sp, nil
}

// left returns the bytes a fetch may still write after written; ok is false
// when there is no bound.
func (sp space) left(written uint64) (n uint64, ok bool) {
	if sp.max == 0 {
		return 0, false
	}
	if sp.used+written >= sp.max {
		return 0, true
	}
	return sp.max - sp.used - written, true
}

// check fails with ErrStorageMax if need more bytes do not fit after
// written.
func (sp space) check(target fmt.Stringer, written, need uint64) error {
	if left, ok := sp.left(written); ok && need > left {
		return sp.refuse(target, written+need)
	}
	return nil
}

// refuse says why the fetch of target, needing need bytes (0: unknown), does
// not fit.
func (sp space) refuse(target fmt.Stringer, need uint64) error {
	what := ""
	if need > 0 {
		what = fmt.Sprintf(", and fetching %s needs up to %s more", target, mib(need))
	}
	return fmt.Errorf("%w: the repo uses %s of its storage_max %s%s; nothing was kept: free space (cairn rm, then cairn repo gc) or raise storage_max_mib in config.toml",
		ErrStorageMax, mib(sp.used), mib(sp.max), what)
}

// mib formats n bytes in MiB with one decimal.
func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

package node

import (
	"context"

	"github.com/cairnpkg/cairn/node/internal/store"
)

// RepoStat describes what a repo holds.
type RepoStat struct {
	Dir       string `json:"repo"`
	DiskBytes uint64 `json:"diskBytes"`
	store.Stat
}

// Stat counts the repo's blocks, pins and index entries. It walks every key, so
// it takes time proportional to the store's size.
func (r *Repo) Stat(ctx context.Context) (*RepoStat, error) {
	st, err := r.store.Stat(ctx)
	if err != nil {
		return nil, err
	}
	du, err := r.store.DiskUsage(ctx)
	if err != nil {
		return nil, err
	}
	return &RepoStat{Dir: r.dir, DiskBytes: du, Stat: st}, nil
}

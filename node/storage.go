package node

import (
	"context"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/storage"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// Removing packages and collecting garbage (docs/repo.md §7): the decisions
// are node/internal/storage's, the deleting the store's.

// ErrInUse: a package rm would remove is an input of another pinned
// package, or matches a mirror rule; --force removes it anyway.
var ErrInUse = storage.ErrInUse

// RemoveResult says what Remove unpinned.
type RemoveResult = storage.RemoveResult

// Remove unpins the package target (NAME@VERSION, as the repo's names index
// or the policy resolves it, or a package CID): the package, its metadata
// sets and their signatures, and its layers' content roots unless another
// pinned package has the same content; its names index entry and referrer
// entries go too. Publisher logs, evidence and revocations are never
// removed. The blocks stay until GC. Without force it refuses (ErrInUse)
// while the package is the input of another pinned package or a mirror
// rule matches its name, saying which.
func (r *Repo) Remove(ctx context.Context, target string, force bool) (*RemoveResult, error) {
	c, err := r.removalTarget(ctx, target)
	if err != nil {
		return nil, err
	}
	return r.remove(ctx, c, storage.RemoveOptions{Force: force})
}

// removeRetained removes package c for the retention of the mirror rule
// pattern: as rm without --force, except that the rule itself does not
// count as a reason to keep it.
func (r *Repo) removeRetained(ctx context.Context, c cid.Cid, pattern sign.Pattern) error {
	_, err := r.remove(ctx, c, storage.RemoveOptions{ByRule: pattern})
	return err
}

func (r *Repo) remove(ctx context.Context, c cid.Cid, o storage.RemoveOptions) (*RemoveResult, error) {
	rules, err := r.mirrors.List(ctx)
	if err != nil {
		return nil, err
	}
	patterns := make([]sign.Pattern, len(rules))
	for i, rule := range rules {
		patterns[i] = rule.Pattern
	}
	res, err := storage.Remove(ctx, r.store, patterns, c, o)
	if err != nil {
		return nil, err
	}
	r.log.Info("removed", "package", c, "name", res.Name+"@"+res.Version, "unpinned", len(res.Unpinned))
	return res, nil
}

// removalTarget resolves rm's argument: NAME@VERSION from the names index
// (what the repo holds), else as the policy resolves it; or a CID.
func (r *Repo) removalTarget(ctx context.Context, target string) (cid.Cid, error) {
	if !strings.Contains(target, "@") {
		return r.Resolve(ctx, target)
	}
	ref, err := dag.ParseRef(target)
	if err != nil {
		return cid.Undef, err
	}
	if c, err := r.store.Lookup(ctx, ref); err == nil {
		return c, nil
	}
	return r.ResolveRef(ctx, ref)
}

// GCStats says what a collection did.
type GCStats = store.GCStats

// GCOptions configures a collection.
type GCOptions = store.GCOptions

// GC deletes the blocks no pin keeps and reclaims their space, pack files
// included (docs/repo.md §7). It runs beside a daemon's work: it waits for
// a running publish, fetch or import to end, and those that begin wait for
// its sweep.
func (r *Repo) GC(ctx context.Context, o GCOptions) (GCStats, error) {
	st, err := r.store.GC(ctx, o)
	if err != nil {
		return st, err
	}
	r.log.Info("garbage collected", "removed", st.Removed, "bytes", st.RemovedBytes, "packsRewritten", st.PacksRewritten, "packsRemoved", st.PacksRemoved)
	return st, nil
}

// DiskUsage returns the bytes the repo's store occupies on disk, pack files
// included.
func (r *Repo) DiskUsage(ctx context.Context) (uint64, error) { return r.store.DiskUsage(ctx) }

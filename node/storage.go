package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// Removing packages and collecting garbage (docs/repo.md §7).

// ErrInUse: a package rm would remove is an input of another pinned
// package, or matches a mirror rule; --force removes it anyway (exit 1, as
// an output file that exists is).
var ErrInUse = errors.New("in use")

// RemoveResult says what Remove unpinned.
type RemoveResult struct {
	Package cid.Cid `json:"package"`
	Name    string  `json:"name,omitempty"`
	Version string  `json:"version,omitempty"`
	// Unpinned are the pins removed: the package, its metadata sets, their
	// signatures and its layers' content roots.
	Unpinned []cid.Cid `json:"unpinned"`
	// Kept are content roots still pinned because another package's layer
	// is the same content.
	Kept []cid.Cid `json:"kept,omitempty"`
	// Forced lists what would have refused the removal without force.
	Forced []string `json:"forced,omitempty"`
}

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
	return r.remove(ctx, c, removeOptions{force: force})
}

// removeOptions says what may not stop a removal.
type removeOptions struct {
	// force: nothing does (rm --force).
	force bool
	// byRule is the mirror rule removing the package for its retention
	// (docs/logs.md §6): that rule matching its name does not stop it;
	// another rule matching it, or another package naming it as an input,
	// still does.
	byRule sign.Pattern
}

// removeRetained removes package c for the retention of the mirror rule
// pattern: as rm without --force, except that the rule itself does not
// count as a reason to keep it.
func (r *Repo) removeRetained(ctx context.Context, c cid.Cid, pattern sign.Pattern) error {
	_, err := r.remove(ctx, c, removeOptions{byRule: pattern})
	return err
}

func (r *Repo) remove(ctx context.Context, c cid.Cid, o removeOptions) (*RemoveResult, error) {
	kind, err := r.store.PinKind(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("%w (only what the repo pins can be removed)", err)
	}
	if kind != store.PinPackage {
		return nil, fmt.Errorf("%w: %s is pinned as %s, not as a package: rm removes packages (their content goes with them)", ErrInvalidInput, c, kind)
	}
	pkg, err := r.store.Package(ctx, c)
	if err != nil {
		return nil, err
	}
	res := &RemoveResult{Package: c, Name: pkg.Name.String(), Version: pkg.Version, Unpinned: []cid.Cid{c}}
	others, err := r.pinnedPackages(ctx, c)
	if err != nil {
		return nil, err
	}
	blockers, err := r.removalBlockers(ctx, c, pkg, others, o.byRule)
	if err != nil {
		return nil, err
	}
	if len(blockers) > 0 && !o.force {
		return nil, fmt.Errorf("%w: %s@%s (%s) %s; --force to remove it anyway", ErrInUse, pkg.Name, pkg.Version, c, strings.Join(blockers, "; "))
	}
	res.Forced = blockers
	rm := store.Removal{Pins: []cid.Cid{c}}
	metas, err := r.store.Referrers(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, m := range metas {
		rm.Refs = append(rm.Refs, [2]cid.Cid{c, m})
		sigs, err := r.store.Referrers(ctx, m)
		if err != nil {
			return nil, err
		}
		for _, s := range sigs {
			rm.Refs = append(rm.Refs, [2]cid.Cid{m, s})
			rm.Pins = append(rm.Pins, s)
		}
		rm.Pins = append(rm.Pins, m)
	}
	shared := map[cid.Cid]bool{}
	for _, o := range others {
		for _, l := range o.Layers {
			shared[l.Content] = true
		}
	}
	for _, l := range pkg.Layers {
		if shared[l.Content] {
			if !slices.ContainsFunc(res.Kept, l.Content.Equals) {
				res.Kept = append(res.Kept, l.Content)
			}
			continue
		}
		if !slices.ContainsFunc(rm.Pins, l.Content.Equals) {
			rm.Pins = append(rm.Pins, l.Content)
		}
	}
	ref := pkg.Ref()
	if held, err := r.store.Lookup(ctx, ref); err == nil && held.Equals(c) {
		rm.Names = append(rm.Names, ref)
	}
	if err := r.store.Remove(ctx, rm); err != nil {
		return nil, err
	}
	res.Unpinned = rm.Pins
	r.log.Info("removed", "package", c, "name", ref, "unpinned", len(rm.Pins))
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

// pinnedPackages returns the packages the repo pins, but skip.
func (r *Repo) pinnedPackages(ctx context.Context, skip cid.Cid) (map[cid.Cid]*dag.Package, error) {
	pins, err := r.store.Pins(ctx)
	if err != nil {
		return nil, err
	}
	out := map[cid.Cid]*dag.Package{}
	for c, p := range pins {
		if p.Kind != store.PinPackage || c.Equals(skip) {
			continue
		}
		pkg, err := r.store.Package(ctx, c)
		if err != nil {
			continue // damaged or missing: repo verify reports it
		}
		out[c] = pkg
	}
	return out, nil
}

// removalBlockers says why removing package c would surprise: the pinned
// packages whose metadata sets name it as an input, and the mirror rules
// that match its name, but the rule byRule ("": none).
func (r *Repo) removalBlockers(ctx context.Context, c cid.Cid, pkg *dag.Package, others map[cid.Cid]*dag.Package, byRule sign.Pattern) ([]string, error) {
	var out []string
	for oc, o := range others {
		metas, err := r.store.Referrers(ctx, oc)
		if err != nil {
			return nil, err
		}
		for _, m := range metas {
			data, err := r.store.Block(ctx, m)
			if err != nil {
				continue
			}
			ms, err := dag.DecodeMetadataSet(data)
			if err != nil || !slices.ContainsFunc(ms.Inputs, c.Equals) {
				continue
			}
			out = append(out, fmt.Sprintf("is an input of %s (%s)", o.Ref(), oc))
			break
		}
	}
	rules, err := r.mirrors.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, rule := range rules {
		if rule.Pattern != byRule && rule.Pattern.Match(pkg.Name) {
			out = append(out, fmt.Sprintf("is mirrored by the rule %s (cairn mirror rm %s first, or it is fetched again)", rule.Pattern, rule.Pattern))
		}
	}
	slices.Sort(out)
	return out, nil
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

// autoGCCheck is how often a daemon looks whether to collect garbage.
const autoGCCheck = time.Minute

// autoGC is a daemon's collection on a schedule (store.gc_interval) or past
// a disk-usage watermark (store.gc_watermark_mib).
type autoGC struct {
	repo      *Repo
	log       *slog.Logger
	every     time.Duration // 0: not on a schedule
	watermark uint64        // bytes; 0: no watermark
	last      time.Time
	// after is the disk usage the last collection left: over the
	// watermark, the next one waits until usage grows past it by 1%.
	after uint64
}

// check collects garbage if the schedule or the watermark says so.
func (a *autoGC) check(ctx context.Context) {
	why := ""
	if a.every > 0 && time.Since(a.last) >= a.every {
		why = "gc_interval"
	}
	if a.watermark > 0 && why == "" {
		du, err := a.repo.DiskUsage(ctx)
		if err != nil {
			a.log.Warn("disk usage", "err", err)
			return
		}
		if du < a.watermark || du <= a.after+a.after/100 {
			return
		}
		why = fmt.Sprintf("disk usage %d bytes passed gc_watermark_mib", du)
	}
	if why == "" {
		return
	}
	a.last = time.Now()
	a.log.Info("collecting garbage", "why", why)
	if _, err := a.repo.GC(ctx, GCOptions{}); err != nil && ctx.Err() == nil {
		a.log.Warn("garbage collection", "err", err)
	}
	if du, err := a.repo.DiskUsage(ctx); err == nil {
		a.after = du
	}
}

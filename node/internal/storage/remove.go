package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// ErrInUse: a package a removal would remove is an input of another pinned
// package, or matches a mirror rule; force removes it anyway (exit 1, as an
// output file that exists is).
var ErrInUse = errors.New("in use")

// Store is what a removal reads and deletes.
type Store interface {
	PinKind(ctx context.Context, c cid.Cid) (store.PinKind, error)
	Pins(ctx context.Context) (map[cid.Cid]store.Pin, error)
	Package(ctx context.Context, c cid.Cid) (*dag.Package, error)
	Block(ctx context.Context, c cid.Cid) ([]byte, error)
	Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error)
	Lookup(ctx context.Context, ref dag.Ref) (cid.Cid, error)
	Remove(ctx context.Context, r store.Removal) error
}

var _ Store = (*store.Store)(nil)

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

// RemoveOptions says what may not stop a removal.
type RemoveOptions struct {
	// Force: nothing does (rm --force).
	Force bool
	// ByRule is the mirror rule removing the package for its retention
	// (docs/logs.md §6): that rule matching its name does not stop it;
	// another rule matching it, or another package naming it as an input,
	// still does.
	ByRule sign.Pattern
}

// Remove unpins package c (which must be pinned as a package): the
// package, its metadata sets and their signatures, and its layers' content
// roots unless another pinned package has the same content; its names
// index entry and referrer entries go too, in one transaction. Publisher
// logs, evidence and revocations are never removed; the blocks stay until
// a collection. Unless o says otherwise it refuses (ErrInUse) while the
// package is the input of another pinned package or one of mirrors (the
// patterns of the mirror rules) matches its name, saying which.
func Remove(ctx context.Context, st Store, mirrors []sign.Pattern, c cid.Cid, o RemoveOptions) (*RemoveResult, error) {
	kind, err := st.PinKind(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("%w (only what the repo pins can be removed)", err)
	}
	if kind != store.PinPackage {
		return nil, fmt.Errorf("%w: %s is pinned as %s, not as a package: rm removes packages (their content goes with them)", errkind.Invalid, c, kind)
	}
	pkg, err := st.Package(ctx, c)
	if err != nil {
		return nil, err
	}
	res := &RemoveResult{Package: c, Name: pkg.Name.String(), Version: pkg.Version}
	others, err := pinnedPackages(ctx, st, c)
	if err != nil {
		return nil, err
	}
	blockers, err := blockers(ctx, st, mirrors, c, pkg, others, o.ByRule)
	if err != nil {
		return nil, err
	}
	if len(blockers) > 0 && !o.Force {
		return nil, fmt.Errorf("%w: %s@%s (%s) %s; --force to remove it anyway", ErrInUse, pkg.Name, pkg.Version, c, strings.Join(blockers, "; "))
	}
	res.Forced = blockers
	rm := store.Removal{Pins: []cid.Cid{c}}
	metas, err := st.Referrers(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, m := range metas {
		rm.Refs = append(rm.Refs, [2]cid.Cid{c, m})
		sigs, err := st.Referrers(ctx, m)
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
		switch {
		case shared[l.Content]:
			if !slices.ContainsFunc(res.Kept, l.Content.Equals) {
				res.Kept = append(res.Kept, l.Content)
			}
		case !slices.ContainsFunc(rm.Pins, l.Content.Equals):
			rm.Pins = append(rm.Pins, l.Content)
		}
	}
	ref := pkg.Ref()
	if held, err := st.Lookup(ctx, ref); err == nil && held.Equals(c) {
		rm.Names = append(rm.Names, ref)
	}
	if err := st.Remove(ctx, rm); err != nil {
		return nil, err
	}
	res.Unpinned = rm.Pins
	return res, nil
}

// pinnedPackages returns the packages st pins, but skip.
func pinnedPackages(ctx context.Context, st Store, skip cid.Cid) (map[cid.Cid]*dag.Package, error) {
	pins, err := st.Pins(ctx)
	if err != nil {
		return nil, err
	}
	out := map[cid.Cid]*dag.Package{}
	for c, p := range pins {
		if p.Kind != store.PinPackage || c.Equals(skip) {
			continue
		}
		pkg, err := st.Package(ctx, c)
		if err != nil {
			continue // damaged or missing: repo verify reports it
		}
		out[c] = pkg
	}
	return out, nil
}

// blockers says why removing package c would surprise: the pinned packages
// whose metadata sets name it as an input, and the mirror rules that match
// its name, but the rule byRule ("": none).
func blockers(ctx context.Context, st Store, mirrors []sign.Pattern, c cid.Cid, pkg *dag.Package, others map[cid.Cid]*dag.Package, byRule sign.Pattern) ([]string, error) {
	var out []string
	for oc, o := range others {
		metas, err := st.Referrers(ctx, oc)
		if err != nil {
			return nil, err
		}
		for _, m := range metas {
			data, err := st.Block(ctx, m)
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
	for _, p := range mirrors {
		if p != byRule && p.Match(pkg.Name) {
			out = append(out, fmt.Sprintf("is mirrored by the rule %s (cairn mirror rm %s first, or it is fetched again)", p, p))
		}
	}
	slices.Sort(out)
	return out, nil
}

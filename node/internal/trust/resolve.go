package trust

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// Index is what resolution reads of the store: the claims of publisher
// logs and their entries, the proofs of equivocation, the name index, pins,
// and blocks (checked) to read entries and signatures.
type Index interface {
	Keys
	Yanks(ctx context.Context, name, version string) ([]store.Yank, error)
	Statement(ctx context.Context, signer string) ([]byte, error)
	Claims(ctx context.Context, name, version string) ([]store.Claim, error)
	LogEntry(ctx context.Context, signer string, seq uint64) (cid.Cid, error)
	AllEvidence(ctx context.Context) ([]store.Evidence, error)
	Lookup(ctx context.Context, ref dag.Ref) (cid.Cid, error)
	IsPinned(ctx context.Context, c cid.Cid) (bool, error)
	Block(ctx context.Context, c cid.Cid) ([]byte, error)
}

// VersionStatus says how a version of a package resolves in a repo.
type VersionStatus string

const (
	// VersionTrusted: the logs of enough keys the rule lists to meet its
	// threshold name one package.
	VersionTrusted VersionStatus = "trusted"
	// VersionEquivocation: two packages are each named by enough keys to
	// meet the threshold; it does not resolve.
	VersionEquivocation VersionStatus = "equivocation"
	// VersionUntrusted: no package is named by enough keys the rule lists
	// (only untrusted keys claim it, or fewer trusted keys than the
	// threshold), and the repo's index does not hold it.
	VersionUntrusted VersionStatus = "untrusted"
	// VersionLocal: no trusted log names it, but the repo's own index does (a
	// package imported from a bundle without logs, or fetched by CID).
	VersionLocal VersionStatus = "local"
	// VersionStale: the rule's keys have been quiet longer than its
	// max_age; it does not resolve until the node hears from them.
	VersionStale VersionStatus = "stale"
)

// VersionView is one version of a package name.
type VersionView struct {
	Version string        `json:"version"`
	Status  VersionStatus `json:"status"`
	// Package is what the version resolves to; undefined unless trusted or local.
	Package *cid.Cid `json:"package,omitempty"`
	// Signers are the keys of the rule whose logs name Package.
	Signers []string `json:"signers,omitempty"`
	Pinned  bool     `json:"pinned"`
	Reason  string   `json:"reason,omitempty"`
	// Equivocations are the proofs that the version is disputed (status
	// equivocation).
	Equivocations []sign.Equivocation `json:"equivocations,omitempty"`
	// Evidence are proofs against single keys that do not dispute the
	// version: a rival claim by fewer keys than the threshold, a fork.
	Evidence []sign.Equivocation `json:"evidence,omitempty"`
	// Yank says whether keys of the rule withdrew the version.
	Yank *YankView `json:"yank,omitempty"`
	// Freshness, for a rule with a max_age, says when its keys were last
	// heard from.
	Freshness *Freshness `json:"freshness,omitempty"`
}

// Versions lists the versions of name that logs claim or the index holds,
// oldest first, each with how it resolves under pol. indexed is what the
// names index holds for name: version -> package, each one pinned (a repo
// invariant that repo verify checks).
// Each version is resolved as ResolveVersion does, over one memo of the
// reads they share.
func Versions(ctx context.Context, st Index, pol *sign.Policy, name dag.Name, indexed map[string]cid.Cid) ([]VersionView, error) {
	m, err := newMemo(ctx, st, name, indexed)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var versions []string
	for v := range m.claims {
		seen[v] = true
		versions = append(versions, v)
	}
	for v := range indexed {
		if !seen[v] {
			seen[v] = true
			versions = append(versions, v)
		}
	}
	dag.SortVersions(versions)
	out := make([]VersionView, 0, len(versions))
	for _, v := range versions {
		vv, err := ResolveVersion(ctx, m, pol, dag.Ref{Name: name, Version: v})
		if err != nil {
			return nil, err
		}
		out = append(out, *vv)
	}
	return out, nil
}

// ResolveVersion decides how ref resolves under pol (docs/trust.md §5): to
// the one package that enough keys of the rule meet its threshold for;
// never when two packages do (an equivocation of the rule); else from the
// repo's own name index.
func ResolveVersion(ctx context.Context, st Index, pol *sign.Policy, ref dag.Ref) (*VersionView, error) {
	v, err := resolveVersion(ctx, st, pol, ref)
	if err != nil {
		return nil, err
	}
	if v.Yank, err = YankState(ctx, st, pol, ref); err != nil {
		return nil, err
	}
	if v.Freshness, err = Fresh(ctx, st, pol, ref.Name, time.Now()); err != nil {
		return nil, err
	}
	if v.Freshness != nil && v.Freshness.Stale && v.Status != VersionEquivocation {
		v.Status, v.Reason = VersionStale, v.Freshness.Reason()
	}
	return v, nil
}

func resolveVersion(ctx context.Context, st Index, pol *sign.Policy, ref dag.Ref) (*VersionView, error) {
	d, err := decide(ctx, st, pol, ref)
	if err != nil {
		return nil, err
	}
	v := &VersionView{Version: ref.Version, Evidence: d.evidence}
	switch {
	case len(d.met) > 1:
		v.Status, v.Equivocations = VersionEquivocation, d.disputes
		v.Reason = fmt.Sprintf("the logs of enough trusted keys to meet the rule for %s name %d different packages as %s; it does not resolve until the policy is changed",
			d.rule.Pattern, len(d.met), ref)
		return v, nil
	case len(d.met) == 1:
		v.Status, v.Package, v.Signers = VersionTrusted, &d.met[0], d.keys[d.met[0]]
	case len(d.revoked) > 0:
		// Revoked keys' claims no longer count, and the version does not
		// fall back to the local index either: a revocation is news.
		v.Status = VersionUntrusted
		v.Reason = fmt.Sprintf("claimed by %s only at or after its revocation (revoked-key)", strings.Join(d.revoked, ", "))
		if best := d.best(); best.Defined() {
			v.Reason = fmt.Sprintf("the logs of %d of the %d keys the rule for %s requires name %s once the claims of %s, at or after its revocation, stop counting (revoked-key)",
				len(d.holders[best]), d.rule.Threshold, d.rule.Pattern, best, strings.Join(d.revoked, ", "))
		}
		return v, nil
	default:
		c, err := st.Lookup(ctx, ref)
		switch {
		case err == nil:
			v.Status, v.Package = VersionLocal, &c
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		case len(d.order) > 0:
			best := d.best()
			v.Status = VersionUntrusted
			v.Reason = fmt.Sprintf("the logs of %d of the %d keys the rule for %s requires name %s (%s)",
				len(d.holders[best]), d.rule.Threshold, d.rule.Pattern, best, strings.Join(d.keys[best], ", "))
			return v, nil
		case len(d.rotated) > 0:
			v.Status = VersionUntrusted
			v.Reason = fmt.Sprintf("claimed by %s only at or after the rotation that ends its log (rotated-key): the new key signs for it now", strings.Join(d.rotated, ", "))
			return v, nil
		case len(d.refused) > 0:
			v.Status = VersionUntrusted
			v.Reason = fmt.Sprintf("claimed by %s only in roles the rule for %s does not allow (%s)", strings.Join(d.refused, ", "), d.rule.Pattern, strings.Join(d.rule.Roles, ", "))
			return v, nil
		case len(d.untrusted) > 0:
			v.Status = VersionUntrusted
			v.Reason = fmt.Sprintf("claimed only by %s, which the policy does not trust for %s", strings.Join(d.untrusted, ", "), ref.Name)
			return v, nil
		default:
			return v, nil // neither claimed nor indexed
		}
	}
	pinned, err := st.IsPinned(ctx, *v.Package)
	if err != nil {
		return nil, err
	}
	v.Pinned = pinned
	return v, nil
}

// ResolveRef turns name@version into the package CID it resolves to under
// pol, or fails with ErrEquivocation (with the proofs) or store.ErrNotFound.
func ResolveRef(ctx context.Context, st Index, pol *sign.Policy, ref dag.Ref) (cid.Cid, error) {
	v, err := ResolveVersion(ctx, st, pol, ref)
	if err != nil {
		return cid.Undef, err
	}
	switch {
	case v.Status == VersionEquivocation:
		return cid.Undef, fmt.Errorf("%w: %s: %s (cairn versions %s shows the evidence)", ErrEquivocation, ref, v.Reason, ref.Name)
	case v.Status == VersionStale:
		return cid.Undef, fmt.Errorf("%w: %s: %s", ErrStale, ref, v.Reason)
	case v.Package != nil:
		return *v.Package, nil
	case v.Reason != "":
		return cid.Undef, fmt.Errorf("%w: %s: %s", store.ErrNotFound, ref, v.Reason)
	}
	return cid.Undef, fmt.Errorf("%w: no package %s in the repo", store.ErrNotFound, ref)
}

// Disputes returns the proofs that ref is disputed under pol (two packages
// each meeting the rule's threshold), and the other proofs about it against
// keys the rule lists.
func Disputes(ctx context.Context, st Index, pol *sign.Policy, ref dag.Ref) (disputes, evidence []sign.Equivocation, err error) {
	d, err := decide(ctx, st, pol, ref)
	if err != nil {
		return nil, nil, err
	}
	return d.disputes, d.evidence, nil
}

package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/go-cid"
)

// VersionStatus says how a version of a package resolves in this repo.
type VersionStatus string

const (
	// VersionTrusted: logs of keys the policy trusts name one package.
	VersionTrusted VersionStatus = "trusted"
	// VersionEquivocation: trusted logs name different packages; it does not resolve.
	VersionEquivocation VersionStatus = "equivocation"
	// VersionUntrusted: only keys the policy does not trust claim it.
	VersionUntrusted VersionStatus = "untrusted"
	// VersionLocal: no trusted log names it, but the repo's own index does (a
	// package imported from a bundle without logs, or fetched by CID).
	VersionLocal VersionStatus = "local"
)

// VersionView is one version of a package name.
type VersionView struct {
	Version string        `json:"version"`
	Status  VersionStatus `json:"status"`
	// Package is what the version resolves to; undefined unless trusted or local.
	Package       *cid.Cid            `json:"package,omitempty"`
	Signers       []string            `json:"signers,omitempty"`
	Pinned        bool                `json:"pinned"`
	Reason        string              `json:"reason,omitempty"`
	Equivocations []sign.Equivocation `json:"equivocations,omitempty"`
}

// Versions lists the versions of name that logs claim or the index holds,
// oldest first, each with how it resolves.
func (r *Repo) Versions(ctx context.Context, name dag.Name) ([]VersionView, error) {
	pol, err := r.Policy()
	if err != nil {
		return nil, err
	}
	claims, err := r.store.Claims(ctx, name.String(), "")
	if err != nil {
		return nil, err
	}
	indexed, err := r.store.Versions(ctx, name.String())
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var versions []string
	for _, v := range claims {
		if !seen[v.Version] {
			seen[v.Version] = true
			versions = append(versions, v.Version)
		}
	}
	for _, v := range indexed {
		if !seen[v.Version] {
			seen[v.Version] = true
			versions = append(versions, v.Version)
		}
	}
	slices.SortFunc(versions, dag.CompareVersions)
	out := make([]VersionView, 0, len(versions))
	for _, v := range versions {
		vv, err := r.resolveVersion(ctx, dag.Ref{Name: name, Version: v}, pol)
		if err != nil {
			return nil, err
		}
		out = append(out, *vv)
	}
	return out, nil
}

// resolveVersion decides how ref resolves under pol: from the claims of
// trusted logs, never past a proof of equivocation, else from the repo's own
// name index.
func (r *Repo) resolveVersion(ctx context.Context, ref dag.Ref, pol *sign.Policy) (*VersionView, error) {
	v := &VersionView{Version: ref.Version}
	claims, err := r.store.Claims(ctx, ref.Name.String(), ref.Version)
	if err != nil {
		return nil, err
	}
	evs, err := r.equivocations(ctx, ref, pol)
	if err != nil {
		return nil, err
	}
	var pkgs []cid.Cid
	var untrusted []string
	for _, cl := range claims {
		if !trustsKey(pol, ref.Name, cl.Signer) {
			untrusted = append(untrusted, cl.Signer)
			continue
		}
		if !slices.Contains(v.Signers, cl.Signer) {
			v.Signers = append(v.Signers, cl.Signer)
		}
		if !slices.ContainsFunc(pkgs, cl.Package.Equals) {
			pkgs = append(pkgs, cl.Package)
		}
	}
	switch {
	case len(evs) > 0 || len(pkgs) > 1:
		v.Status, v.Equivocations = VersionEquivocation, evs
		v.Reason = fmt.Sprintf("signed log entries of trusted keys name %d different packages as %s; it does not resolve until the policy is changed", max(len(pkgs), 2), ref)
		return v, nil
	case len(pkgs) == 1:
		v.Status, v.Package = VersionTrusted, &pkgs[0]
	default:
		c, err := r.store.Lookup(ctx, ref)
		switch {
		case err == nil:
			v.Status, v.Package = VersionLocal, &c
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		case len(untrusted) > 0:
			v.Status = VersionUntrusted
			v.Reason = fmt.Sprintf("claimed only by %s, which the policy does not trust for %s", strings.Join(untrusted, ", "), ref.Name)
			return v, nil
		default:
			return v, nil // neither claimed nor indexed
		}
	}
	pinned, err := r.store.IsPinned(ctx, *v.Package)
	if err != nil {
		return nil, err
	}
	v.Pinned = pinned
	return v, nil
}

// ResolveRef turns name@version into the package CID it resolves to, or fails
// with ErrEquivocation (with the proofs) or ErrNotFound.
func (r *Repo) ResolveRef(ctx context.Context, ref dag.Ref) (cid.Cid, error) {
	pol, err := r.Policy()
	if err != nil {
		return cid.Undef, err
	}
	v, err := r.resolveVersion(ctx, ref, pol)
	if err != nil {
		return cid.Undef, err
	}
	switch {
	case v.Status == VersionEquivocation:
		return cid.Undef, fmt.Errorf("%w: %s: %s (cairn versions %s shows the evidence)", ErrEquivocation, ref, v.Reason, ref.Name)
	case v.Package != nil:
		return *v.Package, nil
	case v.Reason != "":
		return cid.Undef, fmt.Errorf("%w: %s: %s", ErrNotFound, ref, v.Reason)
	}
	return cid.Undef, fmt.Errorf("%w: no package %s in the repo", ErrNotFound, ref)
}

// equivocations returns the proofs held about ref whose signers pol trusts
// for ref's name: only those dispute the name.
func (r *Repo) equivocations(ctx context.Context, ref dag.Ref, pol *sign.Policy) ([]sign.Equivocation, error) {
	return equivocationsIn(ctx, r.store, ref, pol)
}

// equivocationsIn is Repo.equivocations over a store.
func equivocationsIn(ctx context.Context, st *store.Store, ref dag.Ref, pol *sign.Policy) ([]sign.Equivocation, error) {
	all, err := st.AllEvidence(ctx)
	if err != nil {
		return nil, err
	}
	var out []sign.Equivocation
	for _, ev := range all {
		if ev.Name == ref.Name.String() && ev.Version == ref.Version &&
			trustsKey(pol, ref.Name, ev.Signers[0]) && trustsKey(pol, ref.Name, ev.Signers[1]) {
			out = append(out, ev)
		}
	}
	return out, nil
}

// trustsKey reports whether pol lists did for name (in any role).
func trustsKey(pol *sign.Policy, name dag.Name, did string) bool {
	rule := pol.RuleFor(name)
	if rule == nil {
		return false
	}
	ok, _ := rule.Trusts(did, "")
	return ok
}

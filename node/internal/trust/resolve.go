package trust

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// Index is what resolution reads of the store.
type Index interface {
	Claims(ctx context.Context, name, version string) ([]store.Claim, error)
	AllEvidence(ctx context.Context) ([]store.Evidence, error)
	Lookup(ctx context.Context, ref dag.Ref) (cid.Cid, error)
	IsPinned(ctx context.Context, c cid.Cid) (bool, error)
}

// VersionStatus says how a version of a package resolves in a repo.
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
// oldest first, each with how it resolves under pol.
func Versions(ctx context.Context, st Index, pol *sign.Policy, name dag.Name, indexed []string) ([]VersionView, error) {
	claims, err := st.Claims(ctx, name.String(), "")
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
		if !seen[v] {
			seen[v] = true
			versions = append(versions, v)
		}
	}
	slices.SortFunc(versions, dag.CompareVersions)
	out := make([]VersionView, 0, len(versions))
	for _, v := range versions {
		vv, err := ResolveVersion(ctx, st, pol, dag.Ref{Name: name, Version: v})
		if err != nil {
			return nil, err
		}
		out = append(out, *vv)
	}
	return out, nil
}

// ResolveVersion decides how ref resolves under pol: from the claims of
// trusted logs, never past a proof of equivocation, else from the repo's own
// name index.
func ResolveVersion(ctx context.Context, st Index, pol *sign.Policy, ref dag.Ref) (*VersionView, error) {
	v := &VersionView{Version: ref.Version}
	claims, err := st.Claims(ctx, ref.Name.String(), ref.Version)
	if err != nil {
		return nil, err
	}
	evs, err := Equivocations(ctx, st, ref, pol)
	if err != nil {
		return nil, err
	}
	var pkgs []cid.Cid
	var untrusted []string
	for _, cl := range claims {
		if !TrustsKey(pol, ref.Name, cl.Signer) {
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
		c, err := st.Lookup(ctx, ref)
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
	case v.Package != nil:
		return *v.Package, nil
	case v.Reason != "":
		return cid.Undef, fmt.Errorf("%w: %s: %s", store.ErrNotFound, ref, v.Reason)
	}
	return cid.Undef, fmt.Errorf("%w: no package %s in the repo", store.ErrNotFound, ref)
}

// Equivocations returns the proofs held about ref whose signers pol trusts
// for ref's name: only those dispute the name.
func Equivocations(ctx context.Context, st Index, ref dag.Ref, pol *sign.Policy) ([]sign.Equivocation, error) {
	all, err := st.AllEvidence(ctx)
	if err != nil {
		return nil, err
	}
	return Disputing(all, ref, pol), nil
}

// Disputing returns those of evs about ref whose signers pol trusts for
// ref's name.
func Disputing(evs []sign.Equivocation, ref dag.Ref, pol *sign.Policy) []sign.Equivocation {
	var out []sign.Equivocation
	for _, ev := range evs {
		if ev.Name == ref.Name.String() && ev.Version == ref.Version &&
			TrustsKey(pol, ref.Name, ev.Signers[0]) && TrustsKey(pol, ref.Name, ev.Signers[1]) {
			out = append(out, ev)
		}
	}
	return out
}

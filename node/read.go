package node

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/bundle"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/mirror"
	"github.com/cairnpkg/cairn/node/internal/publish"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// Resolve turns a CID or a NAME@VERSION into a CID; a name resolves from
// trusted publisher logs, then the repo's index (ResolveRef).
func (r *Repo) Resolve(ctx context.Context, s string) (cid.Cid, error) {
	if strings.Contains(s, "@") {
		ref, err := dag.ParseRef(s)
		if err != nil {
			return cid.Undef, err
		}
		return r.ResolveRef(ctx, ref)
	}
	if strings.Contains(s, "/") {
		return cid.Undef, fmt.Errorf("%w: %q: expected a CID or NAME@VERSION (add @VERSION)", dag.ErrInvalidName, s)
	}
	return dag.ParseCID(s)
}

// ResolveRef turns name@version into the package CID it resolves to under
// the policy, or fails with ErrEquivocation (with the proofs) or
// ErrNotFound.
func (r *Repo) ResolveRef(ctx context.Context, ref dag.Ref) (cid.Cid, error) {
	pol, err := r.trustPolicy()
	if err != nil {
		return cid.Undef, err
	}
	return trust.ResolveRef(ctx, r.store, pol, ref)
}

// Package reads and decodes the package c, checking its bytes.
func (r *Repo) Package(ctx context.Context, c cid.Cid) (*dag.Package, error) {
	return r.store.Package(ctx, c)
}

// Verify judges the package c against pol (the repo's policy when nil).
func (r *Repo) Verify(ctx context.Context, c cid.Cid, pol *sign.Policy) (*sign.Report, error) {
	if _, err := r.Package(ctx, c); err != nil {
		return nil, err
	}
	pol, err := r.effective(pol)
	if err != nil {
		return nil, err
	}
	rep, err := trust.Verify(ctx, trust.StoreSource{Store: r.store}, pol, c, r.events)
	if err != nil || rep.Name == "" {
		return rep, err
	}
	// Whether its name@version was withdrawn (docs/trust.md §6.3): shown,
	// not part of the verdict.
	ref, err := dag.ParseRef(rep.Name + "@" + rep.Version)
	if err != nil {
		return rep, nil
	}
	rep.Yank, err = trust.YankState(ctx, r.store, pol, ref)
	return rep, err
}

// trusted verifies package c against the policy and fails with an error
// wrapping ErrUntrusted, saying why and that nothing was done (what), when
// the policy does not trust it.
func (r *Repo) trusted(ctx context.Context, c cid.Cid, what string) (*sign.Report, error) {
	rep, err := r.Verify(ctx, c, nil)
	if err != nil {
		return nil, err
	}
	if !rep.Trusted() {
		return rep, fmt.Errorf("%w: %s@%s (%s): %s; nothing was %s (--unverified to skip the check)", trust.ErrUntrusted, rep.Name, rep.Version, rep.Code, rep.Reason, what)
	}
	return rep, nil
}

// Inspect returns the package c with its layers, every metadata set with its
// entries and signatures, and their verdicts under the repo's policy.
func (r *Repo) Inspect(ctx context.Context, c cid.Cid) (*PackageView, error) {
	p, err := r.Package(ctx, c)
	if err != nil {
		return nil, err
	}
	rep, err := r.Verify(ctx, c, nil)
	if err != nil {
		return nil, err
	}
	v := &PackageView{
		CID: c, Name: p.Name.String(), Version: p.Version, Layers: publish.LayerViews(p.Layers),
		Status: rep.Status, Code: rep.Code, Reason: rep.Reason, Report: rep,
		Metadata: make([]MetadataView, 0, len(rep.Metadata)),
	}
	for _, m := range rep.Metadata {
		mv := MetadataView{
			CID: m.CID, Kind: m.Kind, Created: m.Created, Inputs: m.Inputs,
			Status: m.Status, Code: m.Code, Reason: m.Reason, Signatures: m.Signatures,
		}
		// Entries are shown only from bytes that match their CID.
		if data, err := r.store.Block(ctx, m.CID); err == nil {
			if ms, err := dag.DecodeMetadataSet(data); err == nil {
				mv.Entries, _ = dag.EntriesJSON(ms.Entries)
			}
		}
		v.Metadata = append(v.Metadata, mv)
	}
	return v, nil
}

// List returns the packages in the repo's name index (under name, or all
// of them when name is ""), by name and then by version precedence.
func (r *Repo) List(ctx context.Context, name string) ([]ListEntry, error) {
	vs, err := r.store.Versions(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make([]ListEntry, 0, len(vs))
	for _, v := range vs {
		e := ListEntry{Name: v.Name, Version: v.Version, Package: v.Package}
		if p, err := r.Package(ctx, v.Package); err == nil {
			e.Layers = len(p.Layers)
			for _, l := range p.Layers {
				e.Size += l.Size
			}
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b ListEntry) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return dag.CompareVersions(a.Version, b.Version)
	})
	return out, nil
}

// Versions lists the versions of name that logs claim or the index holds,
// oldest first, each with how it resolves.
func (r *Repo) Versions(ctx context.Context, name dag.Name) ([]VersionView, error) {
	pol, err := r.trustPolicy()
	if err != nil {
		return nil, err
	}
	indexed, err := r.store.Versions(ctx, name.String())
	if err != nil {
		return nil, err
	}
	vs := make(map[string]cid.Cid, len(indexed))
	for _, v := range indexed {
		vs[v.Version] = v.Package
	}
	return trust.Versions(ctx, r.store, pol, name, vs)
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
	u, err := r.store.Usage(ctx)
	if err != nil {
		return nil, err
	}
	f, err := r.store.Format(ctx)
	if err != nil {
		return nil, err
	}
	return &RepoStat{Dir: r.dir, DiskBytes: du, Format: f, Stat: st, Usage: u}, nil
}

// Log returns the log of key: a key store name, a PEM file, or a did:key.
// limit bounds the entries returned (0: all).
func (r *Repo) Log(ctx context.Context, key string, limit int) (*LogView, error) {
	did := key
	if !strings.HasPrefix(key, "did:key:") {
		k, err := r.key(key)
		if err != nil {
			return nil, err
		}
		did = k.DID()
	} else if _, err := sign.ParseDID(key); err != nil {
		return nil, err
	}
	return logs.Read(ctx, r.store, did, limit)
}

// InspectLogEntry returns the log entry c; ErrNotFound if c is not held, an
// error wrapping dag.ErrWrongKind if c is not a log entry.
func (r *Repo) InspectLogEntry(ctx context.Context, c cid.Cid) (*LogEntryInspection, error) {
	return logs.Inspect(ctx, r.store, c)
}

// ExportOptions says how to export.
type ExportOptions struct {
	// Unverified exports a package without checking it against the policy
	// first. Content CIDs are never verified.
	Unverified bool
}

// Export writes a bundle to w: a CARv1 whose one root is c and whose blocks
// are c's closure (docs/bundles.md). A package is first verified against
// the policy, unless o.Unverified: untrusted, it is an error wrapping
// ErrUntrusted and nothing is written. A block missing from the repo is an
// error; w then holds a partial CAR, which Import refuses.
func (r *Repo) Export(ctx context.Context, c cid.Cid, w io.Writer, o ExportOptions) (ExportResult, error) {
	var rep *sign.Report
	if c.Prefix().Codec == cid.DagCBOR && !o.Unverified {
		var err error
		if rep, err = r.trusted(ctx, c, "exported"); err != nil {
			return ExportResult{Root: c}, err
		}
	}
	res, err := bundle.Export(ctx, r.store, c, w)
	res.Report = rep
	return res, err
}

// Mirrors returns the mirror rules.
func (r *Repo) Mirrors(ctx context.Context) ([]MirrorRule, error) { return r.mirrors.List(ctx) }

// MirrorStatus returns each rule with its lag behind the logs of the keys
// the policy trusts for its pattern, and its failures. A daemon's
// MirrorStatus adds the heads it did not follow.
func (r *Repo) MirrorStatus(ctx context.Context) (*MirrorStatus, error) {
	heads, err := r.store.LogHeads(ctx)
	if err != nil {
		return nil, err
	}
	pol, err := r.trustPolicy()
	if err != nil {
		return nil, err
	}
	rules, err := mirror.Status(ctx, r.mirrors, heads, pol, r.store, time.Now())
	if err != nil {
		return nil, err
	}
	return &MirrorStatus{Rules: rules}, nil
}

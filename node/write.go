package node

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cairnpkg/cairn/node/internal/bundle"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/sign"
)

// Publish imports the paths, builds the package, its metadata set and a
// signature, appends to the signer's publisher log, and pins and indexes
// them, all in one store transaction: on any error the repo is left as it
// was.
func (r *Repo) Publish(ctx context.Context, req PublishRequest) (*PublishResult, error) {
	res, err := r.publisher.Publish(ctx, req)
	if err == nil {
		res.Warnings = append(res.Warnings, r.overStorageMax(ctx)...)
	}
	return res, err
}

// overStorageMax warns when the store's disk usage is past storage_max:
// publish and import are not refused by it (the user chose to add what
// they add), but should say so (docs/repo.md §8).
func (r *Repo) overStorageMax(ctx context.Context) []string {
	max := r.cfg.Store.storageMax()
	if max == 0 {
		return nil
	}
	used, err := r.DiskUsage(ctx)
	if err != nil || used <= max {
		return nil
	}
	return []string{fmt.Sprintf("the repo uses %.1f MiB, over its storage_max of %.1f MiB: fetches are refused until space is freed (cairn rm, then cairn repo gc) or storage_max_mib is raised",
		float64(used)/(1<<20), float64(max)/(1<<20))}
}

// AddMetadata stores a new metadata set about req.Package, signed by req.Key.
func (r *Repo) AddMetadata(ctx context.Context, req MetadataRequest) (*SignedResult, error) {
	return r.publisher.AddMetadata(ctx, req)
}

// Sign stores key's signature over the metadata set req.Metadata.
func (r *Repo) Sign(ctx context.Context, req SignRequest) (*SignedResult, error) {
	return r.publisher.Sign(ctx, req)
}

// Import reads a bundle (a CARv1, or a CARv2 around one) from rd and keeps
// it in one store transaction, all or nothing, if every package root is
// trusted under o.Policy (the repo's policy when nil); docs/bundles.md says
// how. An untrusted package's error wraps ErrUntrusted, and the result holds
// the verdicts.
func (r *Repo) Import(ctx context.Context, rd io.Reader, o ImportOptions) (*ImportResult, error) {
	pol, err := r.effective(o.Policy)
	if err != nil {
		return nil, err
	}
	o.Policy = pol
	res, err := bundle.Import(ctx, bundle.Config{Store: r.store, Follows: r.follows, Events: r.events, Log: r.log}, rd, o)
	if err == nil {
		res.Warnings = append(res.Warnings, r.overStorageMax(ctx)...)
	}
	return res, err
}

// MirrorOptions are a new mirror rule's settings (docs/logs.md §6).
type MirrorOptions struct {
	// Countersign signs each mirrored metadata set in role mirror with Key
	// (the default key when "").
	Countersign bool
	Key         string
	// Keep and MaxBytes bound what the rule keeps (retention); 0: no bound.
	Keep     int
	MaxBytes uint64
}

// AddMirror makes the daemon mirror the packages whose names match pattern.
func (r *Repo) AddMirror(ctx context.Context, pattern string, o MirrorOptions) (*MirrorRule, error) {
	p, err := sign.ParsePattern(pattern)
	if err != nil {
		return nil, err
	}
	if o.Countersign {
		if _, err := r.key(o.Key); err != nil {
			return nil, fmt.Errorf("countersign key: %w", err)
		}
	}
	if o.Keep < 0 {
		return nil, fmt.Errorf("%w: keep %d: expected 0 (every version) or more", ErrInvalidInput, o.Keep)
	}
	rule := MirrorRule{Pattern: p, Countersign: o.Countersign, Key: o.Key, Keep: o.Keep, MaxBytes: o.MaxBytes,
		Added: time.Now().UTC().Truncate(time.Second), Cursors: map[string]uint64{}}
	if err := r.mirrors.Add(ctx, rule); err != nil {
		return nil, err
	}
	r.events.Emit(events.MirrorsChanged{})
	return &rule, nil
}

// RemoveMirror stops mirroring pattern. What was mirrored stays pinned.
func (r *Repo) RemoveMirror(ctx context.Context, pattern string) error {
	p, err := sign.ParsePattern(pattern)
	if err != nil {
		return err
	}
	return r.mirrors.Remove(ctx, p)
}

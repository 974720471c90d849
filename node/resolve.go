package node

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cairnpkg/cairn/dag"
	"github.com/ipfs/go-cid"
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

// Package reads and decodes the package c, checking its bytes.
func (r *Repo) Package(ctx context.Context, c cid.Cid) (*dag.Package, error) {
	data, err := r.block(ctx, c)
	if err != nil {
		return nil, err
	}
	if c.Prefix().Codec != cid.DagCBOR {
		return nil, fmt.Errorf("%w: %s is content, not a package", ErrNotPackage, c)
	}
	p, err := dag.DecodePackage(data)
	if errors.Is(err, dag.ErrWrongKind) {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotPackage, c, err)
	}
	return p, err
}

// block reads a block, checked against its CID, with a clear not-found error.
func (r *Repo) block(ctx context.Context, c cid.Cid) ([]byte, error) {
	data, err := r.store.Block(ctx, c)
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("%w: %s is not in the repo", ErrNotFound, c)
		}
		return nil, err
	}
	return data, nil
}

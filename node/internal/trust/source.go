package trust

import (
	"context"
	"fmt"
	"slices"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// Blocks is what a Source reads of the store: blocks as stored (the
// verifier checks them against their CIDs and reports a mismatch as a
// verdict) and the referrers index.
type Blocks interface {
	RawBlock(ctx context.Context, c cid.Cid) ([]byte, error)
	Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error)
}

// Store is what the trust decisions read: blocks and referrers, the claims
// of publisher logs, the proofs of equivocation, the name index and pins.
type Store interface {
	Blocks
	Index
}

var _ Store = (*store.Store)(nil)

// StoreSource lets sign.Verify read what a store has committed.
type StoreSource struct{ Store Store }

var _ sign.EquivocationSource = StoreSource{}

// Block returns c as stored, or an error wrapping sign.ErrNotFound.
func (s StoreSource) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	b, err := s.Store.RawBlock(ctx, c)
	if store.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s", sign.ErrNotFound, c)
	}
	return b, err
}

// Referrers returns the nodes that name c as their subject.
func (s StoreSource) Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error) {
	return s.Store.Referrers(ctx, c)
}

// Equivocations returns the proofs the store holds that pol lets dispute
// name@version.
func (s StoreSource) Equivocations(ctx context.Context, pol *sign.Policy, name dag.Name, version string) ([]sign.Equivocation, error) {
	return Equivocations(ctx, s.Store, dag.Ref{Name: name, Version: version}, pol)
}

// TxSource lets sign.Verify see a Txn still running: its blocks are in the
// store already (journalled), its referrers only at Commit.
type TxSource struct {
	Store Store
	Tx    *store.Txn
}

var _ sign.EquivocationSource = TxSource{}

// Block returns c as stored, or an error wrapping sign.ErrNotFound.
func (t TxSource) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	return StoreSource{t.Store}.Block(ctx, c)
}

// Referrers returns the referrers of c committed and those the Txn adds.
func (t TxSource) Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error) {
	refs, err := t.Store.Referrers(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, r := range t.Tx.PendingReferrers(c) {
		if !slices.ContainsFunc(refs, r.Equals) {
			refs = append(refs, r)
		}
	}
	return refs, nil
}

// Equivocations returns the committed proofs that pol lets dispute
// name@version.
func (t TxSource) Equivocations(ctx context.Context, pol *sign.Policy, name dag.Name, version string) ([]sign.Equivocation, error) {
	return StoreSource{t.Store}.Equivocations(ctx, pol, name, version)
}

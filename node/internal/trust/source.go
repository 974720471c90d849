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

var _ sign.LogSource = StoreSource{}

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

// Disputes returns the proofs the store holds that dispute name@version
// under pol, and the evidence against single keys.
func (s StoreSource) Disputes(ctx context.Context, pol *sign.Policy, name dag.Name, version string) (_, _ []sign.Equivocation, _ error) {
	return Disputes(ctx, s.Store, pol, dag.Ref{Name: name, Version: version})
}

// Logged says whether signer's log, as the store holds it, names sig.
func (s StoreSource) Logged(ctx context.Context, signer string, pkg, sig cid.Cid) (sign.LogState, error) {
	return Logged(ctx, s.Store, signer, pkg, sig)
}

// Holder returns the key that holds signer's trust now (trust.Holder).
func (s StoreSource) Holder(ctx context.Context, signer string) (string, error) {
	return Holder(ctx, s.Store, signer)
}

// TxSource lets sign.Verify see a Txn still running: its blocks are in the
// store already (journalled), its referrers, log entries and proofs only
// at Commit, so they are added to what the store holds.
type TxSource struct {
	Store Store
	Tx    *store.Txn
}

var _ sign.LogSource = TxSource{}

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

// Disputes is StoreSource's, over what the store and the Txn hold.
func (t TxSource) Disputes(ctx context.Context, pol *sign.Policy, name dag.Name, version string) (_, _ []sign.Equivocation, _ error) {
	return Disputes(ctx, TxIndex(t), pol, dag.Ref{Name: name, Version: version})
}

// Logged is StoreSource's, over what the store and the Txn hold.
func (t TxSource) Logged(ctx context.Context, signer string, pkg, sig cid.Cid) (sign.LogState, error) {
	return Logged(ctx, TxIndex(t), signer, pkg, sig)
}

// Holder is StoreSource's, over what the store and the Txn hold.
func (t TxSource) Holder(ctx context.Context, signer string) (string, error) {
	return Holder(ctx, TxIndex(t), signer)
}

// TxIndex is the Index of a store with a running Txn's log entries, claims
// and proofs added.
type TxIndex struct {
	Store Store
	Tx    *store.Txn
}

var _ Index = TxIndex{}

// Claims returns the committed claims and the Txn's.
func (t TxIndex) Claims(ctx context.Context, name, version string) ([]store.Claim, error) {
	out, err := t.Store.Claims(ctx, name, version)
	if err != nil {
		return nil, err
	}
	for _, c := range t.Tx.PendingClaims(name, version) {
		if !slices.ContainsFunc(out, func(o store.Claim) bool { return o.Signer == c.Signer && o.Seq == c.Seq }) {
			out = append(out, c)
		}
	}
	return out, nil
}

// LogEntry returns entry seq of signer's log, appended by the Txn or held.
func (t TxIndex) LogEntry(ctx context.Context, signer string, seq uint64) (cid.Cid, error) {
	if c, ok := t.Tx.PendingLogEntry(signer, seq); ok {
		return c, nil
	}
	return t.Store.LogEntry(ctx, signer, seq)
}

// AllEvidence returns the committed proofs and the Txn's.
func (t TxIndex) AllEvidence(ctx context.Context) ([]store.Evidence, error) {
	out, err := t.Store.AllEvidence(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range t.Tx.PendingEvidence() {
		if !slices.ContainsFunc(out, func(o store.Evidence) bool { return o.ID() == e.ID() }) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Rotation returns signer's rotation, appended by the Txn or held.
func (t TxIndex) Rotation(ctx context.Context, signer string) (store.Rotation, error) {
	if r, ok := t.Tx.PendingRotation(signer); ok {
		return r, nil
	}
	return t.Store.Rotation(ctx, signer)
}

// Revocations returns the revocations of signer held and the Txn's.
func (t TxIndex) Revocations(ctx context.Context, signer string) ([]store.RevocationRecord, error) {
	out, err := t.Store.Revocations(ctx, signer)
	return append(out, t.Tx.PendingRevocations(signer)...), err
}

// Yanks returns the yank entries held about name@version and the Txn's.
func (t TxIndex) Yanks(ctx context.Context, name, version string) ([]store.Yank, error) {
	out, err := t.Store.Yanks(ctx, name, version)
	return append(out, t.Tx.PendingYanks(name, version)...), err
}

// Statement reads the statements held.
func (t TxIndex) Statement(ctx context.Context, signer string) ([]byte, error) {
	return t.Store.Statement(ctx, signer)
}

// Lookup reads the committed name index.
func (t TxIndex) Lookup(ctx context.Context, ref dag.Ref) (cid.Cid, error) {
	return t.Store.Lookup(ctx, ref)
}

// IsPinned reads the committed pins.
func (t TxIndex) IsPinned(ctx context.Context, c cid.Cid) (bool, error) {
	return t.Store.IsPinned(ctx, c)
}

// Block reads a block, the Txn's included, checked.
func (t TxIndex) Block(ctx context.Context, c cid.Cid) ([]byte, error) { return t.Store.Block(ctx, c) }

// Logged says whether signer's publisher log, as st holds it, has an entry
// that names signature sig of package pkg (docs/trust.md §5), and whether
// every such entry comes at or after a revocation of the key (§6). A
// signature of a revoked key that its log does not name is revoked too:
// nothing places it before the revocation.
func Logged(ctx context.Context, st Index, signer string, pkg, sig cid.Cid) (sign.LogState, error) {
	data, err := st.Block(ctx, pkg)
	if err != nil {
		if store.IsNotFound(err) {
			return sign.NotLogged, nil
		}
		return sign.NotLogged, err
	}
	p, err := dag.DecodePackage(data)
	if err != nil {
		return sign.NotLogged, nil
	}
	claims, err := st.Claims(ctx, p.Name.String(), p.Version)
	if err != nil {
		return sign.NotLogged, err
	}
	revokedFrom, err := RevokedFrom(ctx, st, signer)
	if err != nil {
		return sign.NotLogged, err
	}
	state := sign.NotLogged
	for _, cl := range claims {
		if cl.Signer != signer || !cl.Package.Equals(pkg) {
			continue
		}
		ec, err := claimEntry(ctx, st, cl)
		if err != nil {
			return sign.NotLogged, err
		}
		data, err := st.Block(ctx, ec)
		if err != nil {
			return sign.NotLogged, err
		}
		e, err := dag.DecodeLogEntry(data)
		if err != nil || !slices.ContainsFunc(e.Signatures, sig.Equals) {
			continue
		}
		if revokedFrom == 0 || cl.Seq < revokedFrom {
			return sign.Logged, nil
		}
		state = sign.Revoked
	}
	if revokedFrom != 0 {
		// Not named before the revocation: made after it, as far as
		// anyone can tell.
		state = sign.Revoked
	}
	return state, nil
}

package logsync

import (
	"context"
	"slices"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/store"
)

// What a node keeps of what it hears besides log entries: the newest signed
// statement of each followed log's head (freshness, docs/trust.md §7) and the
// revocations of keys (docs/trust.md §6).

// statementTime returns when the newest statement held of signer's head was
// made; zero if none is held.
func statementTime(ctx context.Context, st interface {
	Statement(ctx context.Context, signer string) ([]byte, error)
}, signer string) time.Time {
	data, err := st.Statement(ctx, signer)
	if err != nil {
		return time.Time{}
	}
	a, err := dag.DecodeAnnouncement(data)
	if err != nil {
		return time.Time{}
	}
	return a.Created
}

// keepNewer stores a as the statement of its signer's head if it was made
// after the one held.
func keepNewer(ctx context.Context, st interface {
	Statement(ctx context.Context, signer string) ([]byte, error)
	PutStatement(ctx context.Context, signer string, data []byte) error
}, a *dag.Announcement) error {
	if !a.Created.After(statementTime(ctx, st, a.Signer)) {
		return nil
	}
	data, err := a.Encode()
	if err != nil {
		return err
	}
	return st.PutStatement(ctx, a.Signer, data)
}

// storeRevocation stores and pins r, whose bytes data hash to c, in a Txn of
// its own. It reports false if the revocation was already held.
func storeRevocation(ctx context.Context, st Store, r *dag.Revocation, data []byte, c cid.Cid) (bool, error) {
	if held, err := holdsRevocation(ctx, st, r.Signer, c); err != nil || held {
		return false, err
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Abort(ctx)
	if err := tx.PutNode(ctx, c, data); err != nil {
		return false, err
	}
	tx.AddRevocation(r, c)
	return true, tx.Commit(ctx)
}

// holdsRevocation reports whether the store indexes revocation c of
// signer's key (its block alone, come some other way, is not enough).
func holdsRevocation(ctx context.Context, st logs.Store, signer string, c cid.Cid) (bool, error) {
	revs, err := st.Revocations(ctx, signer)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(revs, func(r store.RevocationRecord) bool { return r.Revocation.Equals(c) }), nil
}

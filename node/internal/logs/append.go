package logs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// Appended is an entry a Txn appended to one of the repo's own logs: after
// the commit, the daemon announces it (events.LogAppended).
type Appended struct {
	Entry *dag.LogEntry
	CID   cid.Cid
	Key   *sign.Key
}

// Ref names the appended entry; nil for nil.
func (a *Appended) Ref() *Ref {
	if a == nil {
		return nil
	}
	return &Ref{Signer: a.Entry.Signer, Seq: a.Entry.Seq, Entry: a.CID}
}

// Append adds to key's publisher log, in tx, the entry saying that key
// published pkg as ref with these metadata sets and signatures
// (docs/logs.md). Txns run one at a time, so the head read here is still
// the head at Commit. It refuses (store.ErrVersionExists) an entry that
// would make key equivocate: its log must not name another package as ref.
func Append(ctx context.Context, st Store, tx *store.Txn, key *sign.Key, ref dag.Ref, pkg cid.Cid, metas, sigs []cid.Cid, now time.Time) (*Appended, error) {
	claims, err := st.Claims(ctx, ref.Name.String(), ref.Version)
	if err != nil {
		return nil, err
	}
	for _, cl := range claims {
		if cl.Signer == key.DID() && !cl.Package.Equals(pkg) {
			return nil, fmt.Errorf("%w: the log of %s already names package %s as %s (entry %d); publishing %s would be an equivocation",
				store.ErrVersionExists, cl.Signer, cl.Package, ref, cl.Seq, pkg)
		}
	}
	e := &dag.LogEntry{Created: now, Name: ref.Name, Version: ref.Version, Package: pkg, Metadata: metas, Signatures: sigs}
	return AppendEvent(ctx, st, tx, key, nil, e)
}

// AppendEvent appends e (any kind, its seq, prev and signer filled in here)
// to key's log in tx, signed by key and, for a rotation, countersigned by
// next. It refuses (ErrKeyRetired) an entry of a key that rotated away or
// that the repo holds a revocation of: such a key says nothing more.
func AppendEvent(ctx context.Context, st Store, tx *store.Txn, key, next *sign.Key, e *dag.LogEntry) (*Appended, error) {
	if err := Retired(ctx, st, key.DID()); err != nil {
		return nil, err
	}
	e.Seq, e.Prev = 1, cid.Undef
	head, err := st.LogHead(ctx, key.DID())
	switch {
	case err == nil:
		e.Seq, e.Prev = head.Seq+1, head.CID
	case !errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("read the log head of %s: %w", key.DID(), err)
	}
	if err := sign.SignLogEntry(key, e); err != nil {
		return nil, err
	}
	if e.Kind == dag.KindRotate {
		if err := sign.CountersignRotation(next, e); err != nil {
			return nil, err
		}
	}
	data, c, err := e.Encode()
	if err != nil {
		return nil, err
	}
	if err := tx.PutNode(ctx, c, data); err != nil {
		return nil, err
	}
	tx.AppendLog(e, c)
	return &Appended{Entry: e, CID: c, Key: key}, nil
}

// Retired fails with ErrKeyRetired if did's log ends in a rotation or the
// store holds a revocation of did.
func Retired(ctx context.Context, st Store, did string) error {
	if r, err := st.Rotation(ctx, did); err == nil {
		return fmt.Errorf("%w: %s rotated to %s (entry %d of its log); sign with the new key", ErrKeyRetired, did, r.Key, r.Seq)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	revs, err := st.Revocations(ctx, did)
	if err != nil {
		return err
	}
	if len(revs) > 0 {
		return fmt.Errorf("%w: %s is revoked (from entry %d of its log on)", ErrKeyRetired, did, revs[0].Since)
	}
	return nil
}

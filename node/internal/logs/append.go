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
	e := &dag.LogEntry{Seq: 1, Created: now, Name: ref.Name, Version: ref.Version, Package: pkg, Metadata: metas, Signatures: sigs}
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

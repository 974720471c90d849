package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/go-cid"
)

// LogRef names the publisher-log entry a publish, meta add or sign appended.
type LogRef struct {
	Signer string  `json:"signer"`
	Seq    uint64  `json:"seq"`
	Entry  cid.Cid `json:"entry"`
}

// appended is a log entry a Txn appended, told to the daemon after the commit
// so that it announces the new head.
type appended struct {
	entry *dag.LogEntry
	cid   cid.Cid
	key   *sign.Key
}

// appendLog adds to key's publisher log, in tx, the entry saying that key
// published pkg as ref with these metadata sets and signatures
// (docs/logs.md), if fresh: a signature the repo already held is already in
// the log. Txns run one at a time, so the head read here is still the head at
// Commit.
func (r *Repo) appendLog(ctx context.Context, tx *store.Txn, fresh bool, key *sign.Key, ref dag.Ref, pkg cid.Cid, metas, sigs []cid.Cid, now time.Time) (*appended, error) {
	if !fresh {
		return nil, nil
	}
	// A key never equivocates by this repo's hand: its log must not already
	// name another package as ref.
	claims, err := r.store.Claims(ctx, ref.Name.String(), ref.Version)
	if err != nil {
		return nil, err
	}
	for _, cl := range claims {
		if cl.Signer == key.DID() && !cl.Package.Equals(pkg) {
			return nil, fmt.Errorf("%w: the log of %s already names package %s as %s (entry %d); publishing %s would be an equivocation",
				ErrVersionExists, cl.Signer, cl.Package, ref, cl.Seq, pkg)
		}
	}
	e := &dag.LogEntry{Seq: 1, Created: now, Name: ref.Name, Version: ref.Version, Package: pkg, Metadata: metas, Signatures: sigs}
	head, err := r.store.LogHead(ctx, key.DID())
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
	return &appended{entry: e, cid: c, key: key}, nil
}

// afterAppend tells the daemon, if one runs, of a committed log entry.
func (r *Repo) afterAppend(a *appended) *LogRef {
	if a == nil {
		return nil
	}
	if f := r.logAppended.Load(); f != nil {
		(*f)(a.entry, a.cid, a.key)
	}
	return &LogRef{Signer: a.entry.Signer, Seq: a.entry.Seq, Entry: a.cid}
}

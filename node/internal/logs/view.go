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

// EntryView is a publisher-log entry as the CLI and API show it.
type EntryView struct {
	Seq   uint64   `json:"seq"`
	Entry cid.Cid  `json:"entry"`
	Prev  *cid.Cid `json:"prev,omitempty"`
	// Kind is release, yank, unyank, rotate or revoke (docs/logs.md §7).
	Kind       string    `json:"kind"`
	Created    time.Time `json:"created"`
	Name       string    `json:"name,omitempty"`
	Version    string    `json:"version,omitempty"`
	Package    *cid.Cid  `json:"package,omitempty"`
	Metadata   []cid.Cid `json:"metadata,omitempty"`
	Signatures []cid.Cid `json:"signatures,omitempty"`
	// Key is a rotation's new key; Revocation a revoke entry's node;
	// Reason a yank's, unyank's or revocation's.
	Key        string   `json:"key,omitempty"`
	Revocation *cid.Cid `json:"revocation,omitempty"`
	Reason     string   `json:"reason,omitempty"`
}

func entryView(e *dag.LogEntry, c cid.Cid) EntryView {
	v := EntryView{
		Seq: e.Seq, Entry: c, Kind: e.Kind, Created: e.Created, Version: e.Version,
		Metadata: e.Metadata, Signatures: e.Signatures, Key: e.Key, Reason: e.Reason,
	}
	if e.IsRelease() {
		v.Kind = dag.KindRelease
	}
	if e.Name != (dag.Name{}) {
		v.Name = e.Name.String()
	}
	for _, p := range []struct {
		c   cid.Cid
		dst **cid.Cid
	}{{e.Prev, &v.Prev}, {e.Package, &v.Package}, {e.Revocation, &v.Revocation}} {
		if p.c.Defined() {
			c := p.c
			*p.dst = &c
		}
	}
	return v
}

// View is one key's publisher log as a repo holds it, newest entry first.
type View struct {
	Signer        string              `json:"signer"`
	Head          uint64              `json:"head"`
	Entries       []EntryView         `json:"entries"`
	Equivocations []sign.Equivocation `json:"equivocations,omitempty"`
}

// Read returns the log of did, newest entry first; limit bounds the entries
// returned (0: all).
func Read(ctx context.Context, st Store, did string, limit int) (*View, error) {
	head, err := st.LogHead(ctx, did)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: no log of %s in the repo (it has published nothing here, or no peer has announced it)", store.ErrNotFound, did)
	}
	if err != nil {
		return nil, err
	}
	v := &View{Signer: did, Head: head.Seq, Entries: []EntryView{}}
	for seq := head.Seq; seq >= 1 && (limit <= 0 || len(v.Entries) < limit); seq-- {
		c, err := st.LogEntry(ctx, did, seq)
		if err != nil {
			return nil, err
		}
		e, err := Entry(ctx, st, c)
		if err != nil {
			return nil, err
		}
		v.Entries = append(v.Entries, entryView(e, c))
	}
	all, err := st.AllEvidence(ctx)
	if err != nil {
		return nil, err
	}
	for _, ev := range all {
		if ev.Signers[0] == did || ev.Signers[1] == did {
			v.Equivocations = append(v.Equivocations, ev)
		}
	}
	return v, nil
}

// Entry reads and decodes the held log entry c.
func Entry(ctx context.Context, st Store, c cid.Cid) (*dag.LogEntry, error) {
	data, err := st.Block(ctx, c)
	if store.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s is not in the repo", store.ErrNotFound, c)
	}
	if err != nil {
		return nil, err
	}
	return dag.DecodeLogEntry(data)
}

// Inspection is one log entry, as `cairn inspect ENTRY` shows it.
type Inspection struct {
	Signer string `json:"signer"`
	EntryView
	// Signature is "valid" when the entry's signature verifies.
	Signature string `json:"signature"`
	// InLog says whether the entry is the one the repo holds at its seq of
	// its signer's log (false for the other half of a fork).
	InLog bool `json:"inLog"`
}

// Inspect returns the log entry c; store.ErrNotFound if c is not held, an
// error wrapping dag.ErrWrongKind if c is not a log entry.
func Inspect(ctx context.Context, st Store, c cid.Cid) (*Inspection, error) {
	e, err := Entry(ctx, st, c)
	if err != nil {
		return nil, err
	}
	v := &Inspection{Signer: e.Signer, Signature: "valid", EntryView: entryView(e, c)}
	if err := sign.VerifyLogEntry(e); err != nil {
		v.Signature = err.Error()
	}
	held, err := st.LogEntry(ctx, e.Signer, e.Seq)
	v.InLog = err == nil && held.Equals(c)
	return v, nil
}

package node

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/go-cid"
)

// LogEntryView is a publisher-log entry as the CLI and API show it.
type LogEntryView struct {
	Seq        uint64    `json:"seq"`
	Entry      cid.Cid   `json:"entry"`
	Prev       *cid.Cid  `json:"prev,omitempty"`
	Created    time.Time `json:"created"`
	Name       string    `json:"name"`
	Version    string    `json:"version"`
	Package    cid.Cid   `json:"package"`
	Metadata   []cid.Cid `json:"metadata"`
	Signatures []cid.Cid `json:"signatures"`
}

// LogView is one key's publisher log as this repo holds it, newest entry first.
type LogView struct {
	Signer        string              `json:"signer"`
	Head          uint64              `json:"head"`
	Entries       []LogEntryView      `json:"entries"`
	Equivocations []sign.Equivocation `json:"equivocations,omitempty"`
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
	head, err := r.store.LogHead(ctx, did)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: no log of %s in the repo (it has published nothing here, or no peer has announced it)", ErrNotFound, did)
	}
	if err != nil {
		return nil, err
	}
	v := &LogView{Signer: did, Head: head.Seq, Entries: []LogEntryView{}}
	for seq := head.Seq; seq >= 1 && (limit <= 0 || len(v.Entries) < limit); seq-- {
		c, err := r.store.LogEntry(ctx, did, seq)
		if err != nil {
			return nil, err
		}
		e, err := r.logEntry(ctx, c)
		if err != nil {
			return nil, err
		}
		ev := LogEntryView{
			Seq: e.Seq, Entry: c, Created: e.Created, Name: e.Name.String(), Version: e.Version,
			Package: e.Package, Metadata: e.Metadata, Signatures: e.Signatures,
		}
		if e.Prev.Defined() {
			p := e.Prev
			ev.Prev = &p
		}
		v.Entries = append(v.Entries, ev)
	}
	all, err := r.store.AllEvidence(ctx)
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

// logEntry reads and decodes a held log entry.
func (r *Repo) logEntry(ctx context.Context, c cid.Cid) (*dag.LogEntry, error) {
	data, err := r.block(ctx, c)
	if err != nil {
		return nil, err
	}
	return dag.DecodeLogEntry(data)
}

// LogEntryInspection is one log entry, as `cairn inspect ENTRY` shows it.
type LogEntryInspection struct {
	Signer string `json:"signer"`
	LogEntryView
	// Signature is "valid" when the entry's signature verifies.
	Signature string `json:"signature"`
	// InLog says whether the entry is the one the repo holds at its seq of
	// its signer's log (false for the other half of a fork).
	InLog bool `json:"inLog"`
}

// InspectLogEntry returns the log entry c; ErrNotFound if c is not held, an
// error wrapping dag.ErrWrongKind if c is not a log entry.
func (r *Repo) InspectLogEntry(ctx context.Context, c cid.Cid) (*LogEntryInspection, error) {
	e, err := r.logEntry(ctx, c)
	if err != nil {
		return nil, err
	}
	v := &LogEntryInspection{Signer: e.Signer, Signature: "valid", LogEntryView: LogEntryView{
		Seq: e.Seq, Entry: c, Created: e.Created, Name: e.Name.String(), Version: e.Version,
		Package: e.Package, Metadata: e.Metadata, Signatures: e.Signatures,
	}}
	if e.Prev.Defined() {
		p := e.Prev
		v.Prev = &p
	}
	if err := sign.VerifyLogEntry(e); err != nil {
		v.Signature = err.Error()
	}
	held, err := r.store.LogEntry(ctx, e.Signer, e.Seq)
	v.InLog = err == nil && held.Equals(c)
	return v, nil
}

// followsKey reports whether the repo follows signer's log: the key is one of
// its own, or the trust policy names it in some rule (docs/logs.md §3).
func (r *Repo) followsKey(signer string) (bool, error) {
	set, err := r.followedKeys()
	return set[signer], err
}

// followedKeys returns the keys whose logs the repo follows.
func (r *Repo) followedKeys() (map[string]bool, error) {
	pol, err := r.Policy()
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, rule := range pol.Rules {
		for _, k := range rule.Keys {
			set[k] = true
		}
	}
	names, err := r.keys.List()
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if k, err := r.keys.Get(name); err == nil {
			set[k.DID()] = true
		}
	}
	return set, nil
}

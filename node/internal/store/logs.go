package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
)

// Publisher logs (docs/logs.md) are held as their entry blocks plus three
// indexes, written by a Txn together with the blocks:
//
//	/cairn/logs/<did>/<seq, 20 digits> -> entry CID   the log, contiguous from 1
//	/cairn/logheads/<did>              -> head record the last entry held
//	/cairn/claims/<ns>/<name>/<version>/<did>/<seq> -> package CID
//	/cairn/evidence/<id>               -> Evidence
var (
	logsPrefix     = ds.NewKey("/cairn/logs")
	headsPrefix    = ds.NewKey("/cairn/logheads")
	claimsPrefix   = ds.NewKey("/cairn/claims")
	evidencePrefix = ds.NewKey("/cairn/evidence")
)

// PinLog pins a publisher-log entry (and so what it links).
const PinLog PinKind = "log"

// Head is the last entry of a log this store holds.
type Head struct {
	Signer string  `json:"signer"`
	Seq    uint64  `json:"seq"`
	CID    cid.Cid `json:"head"`
}

// Claim is one log entry's claim that name@version is a package.
type Claim struct {
	Name    string  `json:"name"`
	Version string  `json:"version"`
	Signer  string  `json:"signer"`
	Seq     uint64  `json:"seq"`
	Package cid.Cid `json:"package"`
	// Entry is the log entry that makes the claim, when the record holds it
	// (records written before it was kept do not: LogEntry finds it).
	Entry cid.Cid `json:"entry,omitzero"`
}

// claimValue is a claim record: the package's binary CID, then the log
// entry's (docs/logs.md §2).
func claimValue(pkg, entry cid.Cid) []byte {
	return append(pkg.Bytes(), entry.Bytes()...)
}

// parseClaimValue reads a claim record; entry is cid.Undef in a record that
// holds only the package.
func parseClaimValue(v []byte) (pkg, entry cid.Cid, err error) {
	n, pkg, err := cid.CidFromBytes(v)
	if err != nil || n == len(v) {
		return pkg, cid.Undef, err
	}
	m, entry, err := cid.CidFromBytes(v[n:])
	if err == nil && n+m != len(v) {
		err = fmt.Errorf("%d bytes after the entry CID", len(v)-n-m)
	}
	return pkg, entry, err
}

// Evidence is a proof of equivocation kept by the store.
type Evidence = sign.Equivocation

func seqKey(seq uint64) string { return fmt.Sprintf("%020d", seq) }

func logEntryKey(signer string, seq uint64) ds.Key {
	return logsPrefix.ChildString(signer).ChildString(seqKey(seq))
}

func headKey(signer string) ds.Key { return headsPrefix.ChildString(signer) }

func claimsKey(name, version string) ds.Key {
	return claimsPrefix.Child(ds.NewKey(name)).ChildString(version)
}

func claimKey(c Claim) ds.Key {
	return claimsKey(c.Name, c.Version).ChildString(c.Signer).ChildString(seqKey(c.Seq))
}

// LogHead returns the last entry of signer's log held here; ErrNotFound if
// none is.
func (s *Store) LogHead(ctx context.Context, signer string) (Head, error) {
	v, err := s.ds.Get(ctx, headKey(signer))
	if errors.Is(err, ds.ErrNotFound) {
		return Head{}, fmt.Errorf("%w: no log of %s", ErrNotFound, signer)
	}
	if err != nil {
		return Head{}, err
	}
	var h Head
	if err := json.Unmarshal(v, &h); err != nil {
		return Head{}, fmt.Errorf("log head of %s: %w", signer, err)
	}
	return h, nil
}

// LogHeads returns the head of every log held here.
func (s *Store) LogHeads(ctx context.Context) ([]Head, error) {
	var out []Head
	err := s.each(ctx, headsPrefix, func(_ ds.Key, v []byte) error {
		var h Head
		if err := json.Unmarshal(v, &h); err != nil {
			return err
		}
		out = append(out, h)
		return nil
	})
	return out, err
}

// LogEntry returns the CID of entry seq of signer's log; ErrNotFound if it is
// not held.
func (s *Store) LogEntry(ctx context.Context, signer string, seq uint64) (cid.Cid, error) {
	v, err := s.ds.Get(ctx, logEntryKey(signer, seq))
	if errors.Is(err, ds.ErrNotFound) {
		return cid.Undef, fmt.Errorf("%w: entry %d of %s", ErrNotFound, seq, signer)
	}
	if err != nil {
		return cid.Undef, err
	}
	_, c, err := cid.CidFromBytes(v)
	return c, err
}

// Claims returns the claims of held log entries about name@version, or about
// every version of name when version is "".
func (s *Store) Claims(ctx context.Context, name, version string) ([]Claim, error) {
	prefix := claimsPrefix.Child(ds.NewKey(name))
	if version != "" {
		prefix = claimsKey(name, version)
	}
	var out []Claim
	err := s.each(ctx, prefix, func(k ds.Key, v []byte) error {
		c, entry, err := parseClaimValue(v)
		if err != nil {
			return fmt.Errorf("claim %s: %w", k, err)
		}
		seq, err := strconv.ParseUint(k.BaseNamespace(), 10, 64)
		if err != nil {
			return fmt.Errorf("claim %s: %w", k, err)
		}
		signer := k.Parent()
		ver := signer.Parent()
		out = append(out, Claim{Name: name, Version: ver.BaseNamespace(), Signer: signer.BaseNamespace(), Seq: seq, Package: c, Entry: entry})
		return nil
	})
	return out, err
}

// AllEvidence returns every proof of equivocation held.
func (s *Store) AllEvidence(ctx context.Context) ([]Evidence, error) {
	var out []Evidence
	err := s.each(ctx, evidencePrefix, func(k ds.Key, v []byte) error {
		var e Evidence
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("evidence %s: %w", k, err)
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// each calls fn with each key and value under prefix, in key order.
func (s *Store) each(ctx context.Context, prefix ds.Key, fn func(ds.Key, []byte) error) error {
	res, err := s.ds.Query(ctx, query.Query{Prefix: prefix.String() + "/", Orders: []query.Order{query.OrderByKey{}}})
	if err != nil {
		return err
	}
	defer res.Close()
	for r := range res.Next() {
		if r.Error != nil {
			return r.Error
		}
		if err := fn(ds.RawKey(r.Key), r.Value); err != nil {
			return err
		}
	}
	return nil
}

// AppendLog records entry e (stored under c by PutNode) as entry e.Seq of
// its signer's log, its claim, and the new head, written at Commit. The
// caller has checked that e follows the log's head; Commit refuses an entry
// whose seq is already held under another CID (ErrLogFork).
func (t *Txn) AppendLog(e *dag.LogEntry, c cid.Cid) {
	t.logs[logEntryKey(e.Signer, e.Seq)] = c
	if h, ok := t.heads[e.Signer]; !ok || e.Seq > h.Seq {
		t.heads[e.Signer] = Head{Signer: e.Signer, Seq: e.Seq, CID: c}
	}
	switch e.Kind {
	case "", dag.KindRelease:
		cl := Claim{Name: e.Name.String(), Version: e.Version, Signer: e.Signer, Seq: e.Seq, Package: e.Package}
		t.refs[claimKey(cl)] = claimValue(e.Package, c)
	case dag.KindYank, dag.KindUnyank:
		y := Yank{Name: e.Name.String(), Version: e.Version, Signer: e.Signer, Seq: e.Seq, Kind: e.Kind, Package: e.Package, Reason: e.Reason, Created: e.Created, Entry: c}
		t.refs[yankKey(y)], _ = json.Marshal(y)
	case dag.KindRotate:
		t.refs[rotationKey(e.Signer)], _ = json.Marshal(Rotation{Signer: e.Signer, Seq: e.Seq, Key: e.Key, Entry: c})
	}
	t.Pin(c, PinLog)
}

// PendingClaims returns the claims about name@version (every version of name
// when version is "") of the log entries this Txn appends.
func (t *Txn) PendingClaims(name, version string) []Claim {
	var out []Claim
	prefix := claimsPrefix.Child(ds.NewKey(name))
	if version != "" {
		prefix = claimsKey(name, version)
	}
	for k, v := range t.refs {
		if !prefix.IsAncestorOf(k) {
			continue
		}
		pkg, entry, err := parseClaimValue(v)
		seq, serr := strconv.ParseUint(k.BaseNamespace(), 10, 64)
		if err != nil || serr != nil {
			continue
		}
		signer := k.Parent()
		out = append(out, Claim{Name: name, Version: signer.Parent().BaseNamespace(), Signer: signer.BaseNamespace(), Seq: seq, Package: pkg, Entry: entry})
	}
	return out
}

// PendingLogEntry returns the CID of entry seq of signer's log if this Txn
// appends it.
func (t *Txn) PendingLogEntry(signer string, seq uint64) (cid.Cid, bool) {
	c, ok := t.logs[logEntryKey(signer, seq)]
	return c, ok
}

// PendingEvidence returns the proofs of equivocation this Txn adds.
func (t *Txn) PendingEvidence() []Evidence {
	out := make([]Evidence, 0, len(t.evidence))
	for _, e := range t.evidence {
		out = append(out, e)
	}
	return out
}

// AddEvidence records a proof of equivocation, written at Commit, and pins
// both entries.
func (t *Txn) AddEvidence(e Evidence) {
	t.evidence[evidencePrefix.ChildString(e.ID())] = e
	t.Pin(e.Entries[0], PinLog)
	t.Pin(e.Entries[1], PinLog)
}

// commitLogs writes the log entries, heads and evidence of t in dtx.
func (t *Txn) commitLogs(ctx context.Context, dtx commitOps) error {
	for k, c := range t.logs {
		old, err := dtx.Get(ctx, k)
		switch {
		case err == nil:
			if _, oc, err := cid.CidFromBytes(old); err == nil && !oc.Equals(c) {
				return fmt.Errorf("%w: %s holds %s, not %s", ErrLogFork, k, oc, c)
			}
		case !errors.Is(err, ds.ErrNotFound):
			return err
		}
		if err := dtx.Put(ctx, k, c.Bytes()); err != nil {
			return err
		}
	}
	for signer, h := range t.heads {
		if old, err := dtx.Get(ctx, headKey(signer)); err == nil {
			var oh Head
			if json.Unmarshal(old, &oh) == nil && oh.Seq >= h.Seq {
				continue
			}
		} else if !errors.Is(err, ds.ErrNotFound) {
			return err
		}
		v, err := json.Marshal(h)
		if err != nil {
			return err
		}
		if err := dtx.Put(ctx, headKey(signer), v); err != nil {
			return err
		}
	}
	for k, e := range t.evidence {
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if err := dtx.Put(ctx, k, v); err != nil {
			return err
		}
	}
	return nil
}

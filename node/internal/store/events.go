package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"

	"github.com/cairnpkg/cairn/dag"
)

// What publisher logs say besides releases (docs/logs.md §7), and what the
// node heard of the logs' keys, indexed next to the logs:
//
//	/cairn/yanks/<ns>/<name>/<version>/<did>/<seq> -> Yank (JSON)
//	/cairn/rotations/<did>                         -> Rotation (JSON)
//	/cairn/revocations/<did>/<revocation CID>      -> RevocationRecord (JSON)
//	/cairn/statements/<did>                        -> the newest signed statement (announcement bytes)
//
// Yanks, rotations and revocations are written by a Txn with the entries
// and blocks they come from; statements are a cache, written as they come.
var (
	yanksPrefix       = ds.NewKey("/cairn/yanks")
	rotationsPrefix   = ds.NewKey("/cairn/rotations")
	revocationsPrefix = ds.NewKey("/cairn/revocations")
	statementsPrefix  = ds.NewKey("/cairn/statements")
)

// Yank is a yank or unyank entry of a log.
type Yank struct {
	Name    string    `json:"name"`
	Version string    `json:"version"`
	Signer  string    `json:"signer"`
	Seq     uint64    `json:"seq"`
	Kind    string    `json:"kind"` // yank or unyank
	Package cid.Cid   `json:"package,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Created time.Time `json:"created"`
	Entry   cid.Cid   `json:"entry"`
}

// Rotation is a key's rotation to another: its log's last entry.
type Rotation struct {
	Signer string  `json:"signer"`
	Seq    uint64  `json:"seq"`
	Key    string  `json:"key"`
	Entry  cid.Cid `json:"entry"`
}

// RevocationRecord is a revocation the store holds (its block pinned).
type RevocationRecord struct {
	Signer     string  `json:"signer"`
	Since      uint64  `json:"since"`
	Revocation cid.Cid `json:"revocation"`
}

func yanksKey(name, version string) ds.Key {
	return yanksPrefix.Child(ds.NewKey(name)).ChildString(version)
}

func yankKey(y Yank) ds.Key {
	return yanksKey(y.Name, y.Version).ChildString(y.Signer).ChildString(seqKey(y.Seq))
}

func rotationKey(signer string) ds.Key { return rotationsPrefix.ChildString(signer) }

func revocationKey(signer string, c cid.Cid) ds.Key {
	return revocationsPrefix.ChildString(signer).ChildString(c.String())
}

// AddRevocation records revocation r, stored under c by PutNode, written at
// Commit, and pins it.
func (t *Txn) AddRevocation(r *dag.Revocation, c cid.Cid) {
	t.refs[revocationKey(r.Signer, c)], _ = json.Marshal(RevocationRecord{Signer: r.Signer, Since: r.Since, Revocation: c})
	t.Pin(c, PinLog)
}

// Yanks returns the yank and unyank entries held about name@version.
func (s *Store) Yanks(ctx context.Context, name, version string) ([]Yank, error) {
	return records[Yank](ctx, s, yanksKey(name, version))
}

// Rotation returns signer's rotation; ErrNotFound if its log has none.
func (s *Store) Rotation(ctx context.Context, signer string) (Rotation, error) {
	var r Rotation
	v, err := s.ds.Get(ctx, rotationKey(signer))
	if errors.Is(err, ds.ErrNotFound) {
		return r, fmt.Errorf("%w: no rotation of %s", ErrNotFound, signer)
	}
	if err != nil {
		return r, err
	}
	return r, json.Unmarshal(v, &r)
}

// Revocations returns the revocations held of signer.
func (s *Store) Revocations(ctx context.Context, signer string) ([]RevocationRecord, error) {
	return records[RevocationRecord](ctx, s, revocationsPrefix.ChildString(signer))
}

// AllRevocations returns every revocation held.
func (s *Store) AllRevocations(ctx context.Context) ([]RevocationRecord, error) {
	return records[RevocationRecord](ctx, s, revocationsPrefix)
}

// PutStatement keeps data, a signed statement of signer's head, as the
// newest the node heard. The caller checks that it is newer.
func (s *Store) PutStatement(ctx context.Context, signer string, data []byte) error {
	return s.ds.Put(ctx, statementsPrefix.ChildString(signer), data)
}

// Statement returns the newest signed statement held of signer's head;
// ErrNotFound if none.
func (s *Store) Statement(ctx context.Context, signer string) ([]byte, error) {
	v, err := s.ds.Get(ctx, statementsPrefix.ChildString(signer))
	if errors.Is(err, ds.ErrNotFound) {
		return nil, fmt.Errorf("%w: no statement of %s", ErrNotFound, signer)
	}
	return v, err
}

// records reads every JSON record under prefix.
func records[T any](ctx context.Context, s *Store, prefix ds.Key) ([]T, error) {
	var out []T
	err := s.each(ctx, prefix, func(k ds.Key, v []byte) error {
		var r T
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// PendingYanks returns the yank and unyank entries about name@version this
// Txn appends.
func (t *Txn) PendingYanks(name, version string) []Yank {
	return pending[Yank](t, yanksKey(name, version))
}

// PendingRotation returns signer's rotation if this Txn appends it.
func (t *Txn) PendingRotation(signer string) (Rotation, bool) {
	var r Rotation
	v, ok := t.refs[rotationKey(signer)]
	if !ok || json.Unmarshal(v, &r) != nil {
		return r, false
	}
	return r, true
}

// PendingRevocations returns the revocations of signer this Txn adds.
func (t *Txn) PendingRevocations(signer string) []RevocationRecord {
	return pending[RevocationRecord](t, revocationsPrefix.ChildString(signer))
}

func pending[T any](t *Txn, prefix ds.Key) []T {
	var out []T
	for k, v := range t.refs {
		if !prefix.IsAncestorOf(k) {
			continue
		}
		var r T
		if json.Unmarshal(v, &r) == nil {
			out = append(out, r)
		}
	}
	return out
}

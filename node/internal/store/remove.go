package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"

	"github.com/cairnpkg/cairn/dag"
)

// Removal is what Remove deletes: pins, name index entries and referrer
// entries. Blocks stay until a collection (GC) finds nothing keeps them;
// publisher logs, evidence and revocations are never removed.
type Removal struct {
	Pins  []cid.Cid
	Names []dag.Ref
	// Refs are referrer entries, each {subject, referrer}.
	Refs [][2]cid.Cid
}

// Remove deletes r's entries in one badger transaction, holding the writer
// (no Txn runs meanwhile), and syncs: all of them, or none after a crash.
func (s *Store) Remove(ctx context.Context, r Removal) error {
	return s.exclusive(ctx, func() error {
		dtx, err := s.ds.NewTransaction(ctx, false)
		if err != nil {
			return err
		}
		defer dtx.Discard(ctx)
		for _, c := range r.Pins {
			if err := dtx.Delete(ctx, pinKey(c)); err != nil {
				return err
			}
		}
		for _, ref := range r.Names {
			if err := dtx.Delete(ctx, versionKey(ref.Name.String(), ref.Version)); err != nil {
				return err
			}
		}
		for _, p := range r.Refs {
			if err := dtx.Delete(ctx, refKey(p[0], p[1])); err != nil {
				return err
			}
		}
		if err := dtx.Commit(ctx); err != nil {
			return err
		}
		return s.Sync(ctx)
	})
}

// PinKind returns the kind of c's pin; ErrNotFound if c is not pinned.
func (s *Store) PinKind(ctx context.Context, c cid.Cid) (PinKind, error) {
	var p Pin
	v, err := s.ds.Get(ctx, pinKey(c))
	if errors.Is(err, ds.ErrNotFound) {
		return "", fmt.Errorf("%w: %s is not pinned", ErrNotFound, c)
	}
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(v, &p); err != nil {
		return "", fmt.Errorf("pin %s: %w", c, err)
	}
	return p.Kind, nil
}

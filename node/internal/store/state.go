package store

import (
	"context"
	"errors"
	"fmt"

	ds "github.com/ipfs/go-datastore"
)

// statePrefix holds small records of the node's own state (the mirror's
// rules and cursors), each one JSON value: /cairn/state/<name>.
var statePrefix = ds.NewKey("/cairn/state")

// State returns the record name; ErrNotFound if it was never written.
func (s *Store) State(ctx context.Context, name string) ([]byte, error) {
	v, err := s.ds.Get(ctx, statePrefix.ChildString(name))
	if errors.Is(err, ds.ErrNotFound) {
		return nil, fmt.Errorf("%w: state %s", ErrNotFound, name)
	}
	return v, err
}

// PutState writes the record name and syncs it to disk before returning, so
// that what it records survives a crash.
func (s *Store) PutState(ctx context.Context, name string, v []byte) error {
	if err := s.ds.Put(ctx, statePrefix.ChildString(name), v); err != nil {
		return err
	}
	return s.ds.Sync(ctx, statePrefix.ChildString(name))
}

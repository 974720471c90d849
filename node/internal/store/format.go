package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	ds "github.com/ipfs/go-datastore"
)

// FormatVersion is the store format this Cairn reads and writes
// (docs/repo.md §4, Format versions):
//
//   - 1 (no /cairn/format key): small blocks in badger, large ones in pack
//     files named by the Txn that wrote them, never rewritten.
//   - 2: as 1, and a collection (GC) may rewrite a pack file into a new one
//     under an id of its own, or remove it; a pack's id is no longer always
//     a Txn's.
//
// A store without the key is version 1 and is upgraded at Open by writing
// it (one key, synced: a crash leaves version 1 or 2, both readable). A
// store of a newer version is refused (ErrNewerFormat): this Cairn could
// misread it.
const FormatVersion = 2

// formatKey holds the store format version, in decimal.
var formatKey = ds.NewKey("/cairn/format")

// Format returns the store's format version (1 when the key is missing).
func (s *Store) Format(ctx context.Context) (int, error) {
	v, err := s.ds.Get(ctx, formatKey)
	if errors.Is(err, ds.ErrNotFound) {
		return 1, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("store format %q: expected a version number", v)
	}
	return n, nil
}

// checkFormat refuses a newer store and upgrades an older one.
func (s *Store) checkFormat(ctx context.Context) error {
	n, err := s.Format(ctx)
	switch {
	case err != nil:
		return err
	case n > FormatVersion:
		return fmt.Errorf("%w: the store is format %d, this cairn reads up to %d; use a newer cairn", ErrNewerFormat, n, FormatVersion)
	case n == FormatVersion:
		return nil
	}
	if err := s.ds.Put(ctx, formatKey, []byte(strconv.Itoa(FormatVersion))); err != nil {
		return fmt.Errorf("upgrade the store from format %d to %d: %w", n, FormatVersion, err)
	}
	return s.Sync(ctx)
}

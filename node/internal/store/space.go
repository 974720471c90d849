package store

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// Running out of disk (docs/repo.md §8). Badger writes its write-ahead
// log, value log and tables through memory-mapped files: on a full file
// system a write to a fresh mapped page is a SIGBUS that kills the process,
// not an error, and then even opening the store (whose recovery writes)
// crashes until some space is freed. So a Txn writes a block only while the
// file system holding the store keeps more than a reserve free after it:
// room for the Txn's rollback, badger's flushes, and the next open. Writes
// to pack files are plain write(2)s, so an ENOSPC there is an error too.

// reserveExtra is the reserve beyond two memtables.
const reserveExtra = 4 << 20

// reserve is how much free space a Txn leaves on the store's file system:
// two memtables (the write-ahead log of the one being filled, the table of
// the one being flushed) and reserveExtra.
func (s *Store) reserve() uint64 { return uint64(2*s.memTableSize) + reserveExtra }

// checkSpace fails with ErrNoSpace if writing n more bytes would leave less
// than the reserve free on the store's file system. An in-memory store, or
// a system where free space cannot be read, is never short.
func (s *Store) checkSpace(n uint64) error {
	if s.bs.dir == "" {
		return nil
	}
	free, ok := freeSpace(s.bs.dir)
	if !ok {
		return nil
	}
	if free >= s.reserve()+n {
		return nil
	}
	return fmt.Errorf("%w: %d MiB free on the file system holding %s; the store writes only while it keeps %d MiB free (room to roll back and to open again), and needs %d KiB more now; free some space (cairn rm, then cairn repo gc) or move the repo",
		ErrNoSpace, free>>20, s.bs.dir, s.reserve()>>20, (n+1023)>>10)
}

// noSpace wraps err with ErrNoSpace if it is ENOSPC (badger flattens some
// errors to strings, so the message counts too).
func noSpace(err error) error {
	if err == nil || errors.Is(err, ErrNoSpace) {
		return err
	}
	if errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "no space left on device") {
		return fmt.Errorf("%w: %w", ErrNoSpace, err)
	}
	return err
}

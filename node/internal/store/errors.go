package store

import (
	"github.com/cairnpkg/cairn/internal/errkind"

	"errors"

	ipld "github.com/ipfs/go-ipld-format"
)

// Errors returned by this package.
var (
	// ErrNotFound: no block, pin or index entry under that key.
	ErrNotFound = errkind.New("not found", errkind.NotFound)
	// ErrVersionExists: name@version already names another package.
	ErrVersionExists = errors.New("version already published")
	// ErrTxnDone: a Txn used after Commit or Abort.
	ErrTxnDone = errors.New("transaction already finished")
	// ErrAfterCommit: a Txn committed (its writes stand), but a step after the
	// commit point failed: syncing to disk, or dropping the journal (which the
	// next Open retries).
	ErrAfterCommit = errors.New("committed, but a step after the commit failed")
	// ErrLogFork: a log entry whose sequence number the store holds under
	// another CID.
	ErrLogFork = errors.New("log already has another entry at that sequence number")
	// ErrNotPackage: a CID that names something other than a package where a
	// package was expected.
	ErrNotPackage = errkind.New("not a package", errkind.Invalid)
	// ErrNoSpace: the file system holding the store is full, or would be
	// too full to roll back after the write (space.go). It has no kind:
	// the same command works once space is freed (exit 1).
	ErrNoSpace = errors.New("no space left on the disk holding the repo")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store is closed")
	// ErrNewerFormat: the store was written by a newer Cairn, in a format
	// this one does not know.
	ErrNewerFormat = errkind.New("repo format is newer than this cairn", errkind.Invalid)
)

// IsNotFound reports whether err says a block or record is missing: this
// package's ErrNotFound, or the ipld.ErrNotFound its Blockstore views and
// boxo's DAG services return.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || ipld.IsNotFound(err)
}

package store

import "errors"

// Errors returned by this package.
var (
	// ErrNotFound: no block, pin or index entry under that key.
	ErrNotFound = errors.New("not found")
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
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store is closed")
)

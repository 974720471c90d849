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
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store is closed")
)

package badgerds

import (
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
	ds "github.com/ipfs/go-datastore"
)

// ErrClosed is returned by every operation on a Datastore (and on the
// transactions, batches and query results it handed out) after Close.
var ErrClosed = errors.New("badgerds: datastore closed")

// ErrTxnTooBig is wrapped by the error returned when a transaction cannot take
// another write, either because badger's own per-transaction limit was hit
// (then badger.ErrTxnTooBig is wrapped as well) or because the pending values
// would exceed Options.MaxTxnBytes. The transaction stays usable: commit what
// it holds, or discard it, and continue in a new one.
var ErrTxnTooBig = errors.New("badgerds: transaction too big")

// ErrValueTooLarge is wrapped by the error returned when a value is larger
// than the datastore can store: Options.ValueLogFileSize on disk, and less
// than 1 MiB in memory (see Options.InMemory).
var ErrValueTooLarge = errors.New("badgerds: value too large")

// ErrInvalidOptions is wrapped by every error of Options.Validate.
var ErrInvalidOptions = errors.New("badgerds: invalid options")

// wrapErr turns a badger error into the error this package returns: a missing
// key becomes datastore.ErrNotFound (unwrapped, so == comparisons keep
// working), a transaction overflow also wraps ErrTxnTooBig, and anything else
// is prefixed with the operation and wrapped so errors.Is sees the original.
func wrapErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, badger.ErrKeyNotFound):
		return ds.ErrNotFound
	case errors.Is(err, badger.ErrTxnTooBig):
		return fmt.Errorf("badgerds: %s: %w: %w", op, ErrTxnTooBig, err)
	case errors.Is(err, badger.ErrDBClosed):
		return fmt.Errorf("badgerds: %s: %w: %w", op, ErrClosed, err)
	default:
		return fmt.Errorf("badgerds: %s: %w", op, err)
	}
}

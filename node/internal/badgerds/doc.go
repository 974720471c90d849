// Package badgerds stores a go-datastore in a badger (v4) database, so the
// node can keep blocks and metadata on disk behind the standard
// datastore.Batching, TxnDatastore, PersistentDatastore, CheckedDatastore and
// GCDatastore interfaces. It replaces go-ds-badger4, which we cannot use.
//
// What it adds over a thin wrapper:
//
//   - Bounded memory. DefaultOptions keeps blocks (values of 1 KiB and more)
//     in badger's value log, out of LSM compaction, shrinks badger's caches
//     and memtables, caps what batches and transactions hold, and on Linux
//     stops badger's mmapped value log from keeping every block ever written
//     or read resident (see releaser). Importing 1 GiB peaked at about
//     90 MiB RSS; see Options for each default and the measurements.
//   - Streaming queries: results come one at a time from a badger iterator;
//     prefix, key order and KeysOnly are pushed down to badger.
//   - A safe Close: transactions and query results still open are ended
//     first, so a late call returns ErrClosed instead of crashing the process
//     (badger itself panics or faults on use after close).
//
// Batches are not atomic (they flush as they grow); transactions are, up to
// Options.MaxTxnBytes. See Batch and Txn.
//
// Example:
//
//	store, err := badgerds.New(badgerds.DefaultOptions(filepath.Join(repo, "datastore")))
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//
//	if err := store.Put(ctx, datastore.NewKey("/blocks/abc"), data); err != nil {
//		return err
//	}
//	data, err = store.Get(ctx, datastore.NewKey("/blocks/abc")) // a copy, yours to keep
//
// In tests, use an in-memory database:
//
//	o := badgerds.DefaultOptions("")
//	o.InMemory = true
//	store, err := badgerds.New(o)
package badgerds

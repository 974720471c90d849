// Package store is the node's storage: content-addressed blocks, pins and the
// indexes (name -> version -> package, subject -> referrers), in one badger
// database behind the go-datastore interface (package badgerds), with large
// blocks in pack files beside it.
//
// Writes that belong together commit together. A Txn collects the blocks of a
// publish or import as they stream in, journalling each block it adds (blocks
// of PackThreshold bytes or more go to the Txn's append-only pack file,
// indexed in badger); Commit fsyncs the pack, writes the pins, the index
// entries and a commit marker in one badger transaction (the commit point),
// then drops the journal. Abort, or Open after a crash before the commit
// point, deletes the journalled blocks and the pack file, so a failed publish
// leaves the store as it was.
//
//	s, _ := store.Open(ctx, store.DefaultOptions(dir))
//	defer s.Close()
//	tx, _ := s.Begin(ctx)
//	defer tx.Abort(ctx)
//	_ = tx.Blockstore().Put(ctx, block)
//	tx.Pin(pkgCID, store.PinPackage)
//	tx.SetVersion(name, "1.0.0", pkgCID)
//	err := tx.Commit(ctx)
//
// The key layout is specified in docs/repo.md.
package store

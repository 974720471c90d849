// Package bundle moves packages without a network (docs/bundles.md): Export
// writes a package's closure (its node, metadata sets, signatures, the
// publisher-log entries that name it, its content and its input packages)
// as a streamed CARv1; Import reads one, checks every block against its CID,
// verifies each package against the policy and keeps it all in one store
// Txn only if every package root is trusted. A CAR of any other IPLD DAG
// (UnixFS, DAG-CBOR, DAG-JSON…, from Kubo's `ipfs dag export` or a gateway,
// say) imports as content: pinned once complete, or, with Options.NoPin,
// kept unpinned however much of the DAG it holds.
//
//	res, err := bundle.Export(ctx, st, pkg, w)
//	res, err := bundle.Import(ctx, bundle.Config{Store: st, Follows: follows}, r, bundle.Options{Policy: pol})
package bundle

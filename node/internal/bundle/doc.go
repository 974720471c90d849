// Package bundle moves packages without a network (docs/bundles.md): Export
// writes a package's closure (its node, metadata sets, signatures, the
// publisher-log entries that name it, its content and its input packages)
// as a streamed CARv1; Import reads one, checks every block against its CID,
// verifies each package against the policy and keeps it all in one store
// Txn only if every package root is trusted. A CAR of plain UnixFS content
// (from Kubo's `ipfs dag export`, say) imports as content.
//
//	res, err := bundle.Export(ctx, st, pkg, w)
//	res, err := bundle.Import(ctx, bundle.Config{Store: st, Follows: follows}, r, bundle.Options{Policy: pol})
package bundle

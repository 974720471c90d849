// Package logs keeps publisher logs in a repo's store (docs/logs.md): it
// appends the entries of the repo's own keys as they publish, checks and
// ingests the entries of followed keys that peers or bundles bring (keeping
// proofs of forks and conflicts), and shows a log as the CLI and API do.
// Keeping the logs in step with peers over the network is logsync's work.
//
//	app, err := logs.Append(ctx, st, tx, key, ref, pkg, metas, sigs, now) // in the publish's Txn
//	b, err := logs.Check(c, data, signer)                                 // a fetched entry
//	res, err := logs.Ingest(ctx, st, []logs.Block{b})                     // its own Txn
package logs

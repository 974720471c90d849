// Package publish makes packages in a repo: it imports files and
// directories as UnixFS content (profile unixfs-v1-2025), builds the
// package, its metadata set and a signature, appends to the signer's
// publisher log, and commits all of it in one store Txn, or nothing. It also
// attaches metadata sets to packages and signatures to metadata sets.
//
//	p := publish.New(publish.Config{Store: st, Key: keys.Resolve, Events: bus})
//	res, err := p.Publish(ctx, publish.Request{Paths: []string{"app.wasm"}, Name: name, Version: "1.0.0"})
//
// docs/formats.md specifies the nodes, docs/logs.md the log entries.
package publish

// Package node is a Cairn node: the local repo (config, keys, trust policy and
// a badger store of blocks, pins and indexes) and, when it runs as a daemon,
// its network side (libp2p host, Kademlia DHT, bitswap, the whole-DAG stream,
// the referrers and names lookups), its local HTTP API and its trustless
// gateway.
//
// Everything that changes the repo is one store transaction: publish, meta
// add, sign, fetch and import commit all of their blocks, pins and index
// entries, or nothing.
//
//	r, err := node.Open(ctx, dir)               // takes the repo's lock
//	defer r.Close()
//	res, err := r.Publish(ctx, node.PublishRequest{
//		Paths: []string{"app.wasm"}, Name: name, Version: "1.0.0",
//	})
//	report, err := r.Verify(ctx, res.Package, nil) // against policy.toml
//
//	d, err := node.StartDaemon(ctx, r, node.DaemonOptions{})
//	defer d.Close()
//	fetched, err := d.Fetch(ctx, "acme/app@1.0.0", time.Minute)
//
// docs/repo.md specifies the repo and store, docs/network.md the daemon.
package node

// Package fetch gets packages from peers (docs/network.md): by CID, or by
// NAME@VERSION through the repo's resolution and then the names lookup of
// connected peers. A fetch streams the package's whole DAG over
// /cairn/car/1.0.0 from a peer that can, falls back to bitswap for what is
// missing, asks peers for the package's metadata sets and signatures
// (/cairn/referrers/1.0.0), follows the inputs of trusted metadata sets,
// verifies the package against the policy, and commits everything in one
// store Txn, or nothing: every block is checked against its CID on arrival.
//
//	f := fetch.New(fetch.Config{Store: st, Net: fetch.Libp2p{...}, Policy: policy, Resolve: resolve})
//	res, err := f.Fetch(ctx, "acme/app@1.0.0", time.Minute)
//
// The network is behind the Network interface, so the fetch logic is tested
// without one.
package fetch

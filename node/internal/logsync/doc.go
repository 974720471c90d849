// Package logsync keeps a daemon's publisher logs in step with its peers'
// (docs/logs.md, docs/gossip.md, docs/protocols.md §6): it gossips the new
// heads of the repo's own logs (Announcer), hears heads from gossip and from
// head exchange, and catches followed logs up (Follower): it walks back
// from a newer head to what the repo holds, checking each entry's hash,
// signature, seq and prev, and ingests the chain in one Txn. Heads of keys
// the policy does not name are remembered as rejections, not followed.
//
//	s, err := logsync.Start(ctx, logsync.Config{Host: h, Exchange: x, Store: st, Follows: follows, Bus: bus})
//	defer s.Close()
//
// The follower takes narrow interfaces (Logs, Blocks, an ingest function),
// so its walk-back is tested without a network.
package logsync

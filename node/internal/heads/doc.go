// Package heads is Cairn's head exchange, /cairn/heads/1.0.0: two peers tell
// each other the heads (signer, seq, entry CID) of the publisher logs they
// hold, so a node that missed a gossip announcement learns that it is behind.
//
// The asker sends its heads in one frame and closes its write side; the
// server answers with its own in one frame. Each side hands what the other
// holds to its Sink. Heads are hints: the receiver fetches the entries they
// name and verifies their signatures before believing any of it, so a peer
// that lies only wastes a fetch. This package only exchanges heads; fetching
// is the node's job. docs/protocols.md §6 specifies the bytes.
//
// A Syncer runs exchanges: with each peer that speaks the protocol when
// identify completes, and with all of them every Interval.
//
//	heads.Serve(ctx, h, src, sink, nil) // answer peers
//	s := heads.StartSync(ctx, h, heads.SyncConfig{Source: src, Sink: sink, Log: log})
//	defer s.Close()
//
//	theirs, err := heads.Exchange(ctx, h, p, src, nil) // or ask one peer now
package heads

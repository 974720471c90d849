// Package gossip spreads announcements of publisher-log heads over
// GossipSub on the topic /cairn/announce/2.0.0 (docs/gossip.md).
//
// When a signing key's log gets a new head, the daemon publishes a signed
// dag.Announcement; every node that hears it from a neighbour checks it
// (size, decoding, staleness against what it already holds, per-key and
// per-peer rate limits, then the signature) and hands what passes to
// Config.Deliver, which fetches the new entries. Messages that are malformed
// or badly signed cost their sender gossipsub score until it is graylisted.
// Gossip may lose messages: the head exchange catches up.
//
//	g, err := gossip.New(ctx, h, gossip.Config{
//		Log:     log,
//		Known:   logs.HeadSeq, // func(signer string) uint64
//		Deliver: func(a *dag.Announcement, from peer.ID) { fetcher.Enqueue(a, from) },
//	})
//	if err != nil {
//		return err
//	}
//	defer g.Close()
//
//	a := &dag.Announcement{Seq: head.Seq, Head: headCID, Addrs: myAddrs, Created: now, Expires: now.Add(24 * time.Hour)}
//	if err := sign.SignAnnouncement(key, a); err != nil {
//		return err
//	}
//	err = g.Publish(ctx, a)
package gossip

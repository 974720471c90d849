package gossip

import "sync/atomic"

// Stats counts the validator's verdicts on messages received from other
// peers (the node's own publishes are not counted).
type Stats struct {
	Accepted     uint64 // delivered
	Malformed    uint64 // rejected: oversized or undecodable
	BadSignature uint64 // rejected: signature does not verify
	Stale        uint64 // ignored: seq not above the known head
	RateLimited  uint64 // ignored: signer or peer over its limit
	// Throttled counts messages the router dropped unread because its
	// validation queue was full: a flood from somewhere.
	Throttled uint64
	// BytesSent and BytesReceived are the sizes of the RPCs (messages of
	// every topic, and the router's control messages: IHAVE, IWANT, GRAFT,
	// PRUNE) sent to and received from peers, as encoded, without stream
	// framing.
	BytesSent, BytesReceived uint64
}

// Rejected is the number of messages that cost their sender score.
func (s Stats) Rejected() uint64 { return s.Malformed + s.BadSignature }

// Ignored is the number of messages dropped without penalty.
func (s Stats) Ignored() uint64 { return s.Stale + s.RateLimited }

// counters is the live, concurrently updated form of Stats.
type counters struct {
	accepted, malformed, badSignature, stale, rateLimited, throttled atomic.Uint64
	bytesSent, bytesReceived                                         atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Accepted:      c.accepted.Load(),
		Malformed:     c.malformed.Load(),
		BadSignature:  c.badSignature.Load(),
		Stale:         c.stale.Load(),
		RateLimited:   c.rateLimited.Load(),
		Throttled:     c.throttled.Load(),
		BytesSent:     c.bytesSent.Load(),
		BytesReceived: c.bytesReceived.Load(),
	}
}

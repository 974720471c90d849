package gossip

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/time/rate"

	"github.com/cairnpkg/cairn/dag"
)

// Defaults of the rate-limit knobs of Config (docs/gossip.md).
const (
	// DefaultKeyRate and DefaultKeyBurst bound the announcements accepted for
	// one signing key: a burst of 16, refilled at four per second (a CI
	// releasing a batch of packages at once is not throttled; a flood of one
	// key costs receivers at most four catch-ups a second).
	DefaultKeyRate  rate.Limit = 4
	DefaultKeyBurst            = 16
	// DefaultPeerRate and DefaultPeerBurst bound the messages taken from one
	// neighbour, whatever keys they name: a burst of 64, 20 per second.
	DefaultPeerRate  rate.Limit = 20
	DefaultPeerBurst            = 64
	// DefaultMaxTracked caps how many keys, and how many peers, have a
	// token bucket at once.
	DefaultMaxTracked = 10_000
)

// Config configures New. Zero values take the defaults above.
type Config struct {
	// Log receives debug lines for dropped messages; nil discards them.
	Log *slog.Logger
	// Known returns the highest seq already held for a signer's log (0 if
	// none) and when the newest statement held of it was made (zero if
	// none). An announcement below that seq, or at it and no newer than
	// that statement, is stale. nil means nothing is known. It is called
	// from pubsub's validation goroutines and must be cheap and safe for
	// concurrent use.
	Known func(signer string) (seq uint64, heard time.Time)
	// KnownRevocation reports whether the revocation c of signer's key is
	// held: such a message is stale. nil means none is.
	KnownRevocation func(signer string, c cid.Cid) bool
	// Deliver is called, from a single goroutine, for every accepted
	// announcement received from another peer; from is the neighbour that
	// forwarded it. It should hand work off rather than block: while it
	// runs, pubsub buffers at most a few dozen messages, then drops.
	// nil discards them.
	Deliver func(a *dag.Announcement, from peer.ID)
	// DeliverRevocation is called, like Deliver, for every accepted
	// revocation, with its bytes and CID.
	DeliverRevocation func(r *dag.Revocation, data []byte, c cid.Cid, from peer.ID)

	// KeyRate and KeyBurst: the token bucket of each signing key.
	KeyRate  rate.Limit
	KeyBurst int
	// PeerRate and PeerBurst: the token bucket of each neighbour.
	PeerRate  rate.Limit
	PeerBurst int
	// MaxTracked caps the number of keys, and separately of peers, that
	// have a bucket; beyond it the idlest are forgotten.
	MaxTracked int
}

// Validate reports a knob that is negative.
func (c Config) Validate() error {
	switch {
	case c.KeyRate < 0, c.KeyBurst < 0:
		return fmt.Errorf("gossip: key rate %v burst %d: expected >= 0", c.KeyRate, c.KeyBurst)
	case c.PeerRate < 0, c.PeerBurst < 0:
		return fmt.Errorf("gossip: peer rate %v burst %d: expected >= 0", c.PeerRate, c.PeerBurst)
	case c.MaxTracked < 0:
		return fmt.Errorf("gossip: max tracked %d: expected >= 0", c.MaxTracked)
	}
	return nil
}

// withDefaults returns c with every zero value replaced by its default.
func (c Config) withDefaults() Config {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Known == nil {
		c.Known = func(string) (uint64, time.Time) { return 0, time.Time{} }
	}
	if c.KnownRevocation == nil {
		c.KnownRevocation = func(string, cid.Cid) bool { return false }
	}
	if c.Deliver == nil {
		c.Deliver = func(*dag.Announcement, peer.ID) {}
	}
	if c.DeliverRevocation == nil {
		c.DeliverRevocation = func(*dag.Revocation, []byte, cid.Cid, peer.ID) {}
	}
	if c.KeyRate == 0 {
		c.KeyRate = DefaultKeyRate
	}
	if c.KeyBurst == 0 {
		c.KeyBurst = DefaultKeyBurst
	}
	if c.PeerRate == 0 {
		c.PeerRate = DefaultPeerRate
	}
	if c.PeerBurst == 0 {
		c.PeerBurst = DefaultPeerBurst
	}
	if c.MaxTracked == 0 {
		c.MaxTracked = DefaultMaxTracked
	}
	return c
}

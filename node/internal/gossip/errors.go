package gossip

import "errors"

// Reasons an announcement is not delivered. The validator logs them at debug
// level; Publish returns them wrapped.
var (
	// ErrMalformed: the message is larger than dag.MaxAnnouncementSize or
	// does not decode as a valid announcement. The sender is penalised.
	ErrMalformed = errors.New("gossip: malformed announcement")
	// ErrBadSignature: the announcement is not signed by its signer's key.
	// The sender is penalised.
	ErrBadSignature = errors.New("gossip: bad announcement signature")
	// ErrStale: the announcement's seq is not above the head already known
	// for its signer. Dropped without penalty: gossip races are normal.
	ErrStale = errors.New("gossip: stale announcement")
	// ErrFuture: a statement dated further in the future than MaxSkew.
	// Dropped without penalty (the sender's clock may be wrong).
	ErrFuture = errors.New("gossip: dated in the future")
	// ErrRateLimited: the signer or the peer that forwarded the message is
	// over its rate limit. Dropped without penalty.
	ErrRateLimited = errors.New("gossip: rate limited")
	// ErrClosed: the Gossip has been closed.
	ErrClosed = errors.New("gossip: closed")
)

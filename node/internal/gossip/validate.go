package gossip

import (
	"context"
	"errors"
	"fmt"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// validate is the topic validator. Cheap checks come first so a flood costs
// little CPU: size, the forwarding peer's rate, decoding, staleness, whether
// the signer has a token left (without spending it); only then the signature.
// A signer's token is spent only by a correctly signed announcement, so
// forgeries naming a key cannot use up that key's budget.
//
// The node's own publishes skip the staleness and per-peer checks: its own
// head is already known, and it does not limit itself as a neighbour.
// On acceptance the decoded announcement rides along as ValidatorData.
func (g *Gossip) validate(_ context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
	local := from == g.self
	a, err := g.check(from, msg.GetData(), local)
	if err == nil {
		msg.ValidatorData = a
		if !local {
			g.stats.accepted.Add(1)
		}
		return pubsub.ValidationAccept
	}
	g.log.Debug("gossip: dropped announcement", "from", from, "err", err)
	res := pubsub.ValidationIgnore
	if isReject(err) {
		res = pubsub.ValidationReject
	}
	if !local {
		g.count(err)
	}
	return res
}

// check applies the rules of docs/gossip.md to data received from from.
func (g *Gossip) check(from peer.ID, data []byte, local bool) (*dag.Announcement, error) {
	if len(data) > dag.MaxAnnouncementSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrMalformed, len(data), dag.MaxAnnouncementSize)
	}
	if !local && !g.peers.allow(string(from)) {
		return nil, fmt.Errorf("%w: peer %s", ErrRateLimited, from)
	}
	a, err := dag.DecodeAnnouncement(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if !local {
		if known := g.known(a.Signer); a.Seq <= known {
			return nil, fmt.Errorf("%w: %s seq %d, known %d", ErrStale, a.Signer, a.Seq, known)
		}
	}
	if !g.keys.ready(a.Signer) {
		return nil, fmt.Errorf("%w: signer %s", ErrRateLimited, a.Signer)
	}
	if err := sign.VerifyAnnouncement(a); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	if !g.keys.allow(a.Signer) {
		return nil, fmt.Errorf("%w: signer %s", ErrRateLimited, a.Signer)
	}
	return a, nil
}

// isReject tells the errors that cost the sender score from those that do not.
func isReject(err error) bool {
	return errors.Is(err, ErrMalformed) || errors.Is(err, ErrBadSignature)
}

func (g *Gossip) count(err error) {
	switch {
	case errors.Is(err, ErrMalformed):
		g.stats.malformed.Add(1)
	case errors.Is(err, ErrBadSignature):
		g.stats.badSignature.Add(1)
	case errors.Is(err, ErrStale):
		g.stats.stale.Add(1)
	case errors.Is(err, ErrRateLimited):
		g.stats.rateLimited.Add(1)
	}
}

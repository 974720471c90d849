package gossip

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
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

// MaxSkew is how far in the future a statement may be dated: clocks differ.
const MaxSkew = 5 * time.Minute

// revocation is a revocation accepted by the validator, with its CID.
type revocation struct {
	r *dag.Revocation
	c cid.Cid
}

// check applies the rules of docs/gossip.md to data received from from: an
// announcement, or a revocation.
func (g *Gossip) check(from peer.ID, data []byte, local bool) (any, error) {
	if len(data) > dag.MaxAnnouncementSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrMalformed, len(data), dag.MaxAnnouncementSize)
	}
	if !local && !g.peers.allow(string(from)) {
		return nil, fmt.Errorf("%w: peer %s", ErrRateLimited, from)
	}
	if t, _ := dag.TypeOf(data); t == dag.RevocationType {
		return g.checkRevocation(data, local)
	}
	a, err := dag.DecodeAnnouncement(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	now := g.now()
	switch {
	case a.Created.After(now.Add(MaxSkew)):
		return nil, fmt.Errorf("%w: %s dated %s, in the future", ErrFuture, a.Signer, dag.FormatTime(a.Created))
	case now.After(a.Expires):
		return nil, fmt.Errorf("%w: %s expired at %s", ErrStale, a.Signer, dag.FormatTime(a.Expires))
	}
	if !local {
		seq, heard := g.known(a.Signer)
		if a.Seq < seq || (a.Seq == seq && !a.Created.After(heard)) {
			return nil, fmt.Errorf("%w: %s seq %d of %s, known %d of %s", ErrStale, a.Signer, a.Seq, dag.FormatTime(a.Created), seq, dag.FormatTime(heard))
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

// checkRevocation checks a revocation: it decodes, is new (unless local:
// the node gossips again what it holds), its key has a token left, and it is
// signed by the key it revokes.
func (g *Gossip) checkRevocation(data []byte, local bool) (*revocation, error) {
	c, err := dag.Prefix.Sum(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	r, err := dag.DecodeRevocation(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if r.Created.After(g.now().Add(MaxSkew)) {
		return nil, fmt.Errorf("%w: revocation of %s dated %s", ErrFuture, r.Signer, dag.FormatTime(r.Created))
	}
	if !local && g.knownRev(r.Signer, c) {
		return nil, fmt.Errorf("%w: revocation %s of %s is held", ErrStale, c, r.Signer)
	}
	if !g.keys.ready(r.Signer) {
		return nil, fmt.Errorf("%w: signer %s", ErrRateLimited, r.Signer)
	}
	if err := sign.VerifyRevocation(r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	if !g.keys.allow(r.Signer) {
		return nil, fmt.Errorf("%w: signer %s", ErrRateLimited, r.Signer)
	}
	return &revocation{r: r, c: c}, nil
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
	case errors.Is(err, ErrStale), errors.Is(err, ErrFuture):
		g.stats.stale.Add(1)
	case errors.Is(err, ErrRateLimited):
		g.stats.rateLimited.Add(1)
	}
}

package gossip

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
)

// Topic is the gossipsub topic of publisher-log head announcements.
const Topic = "/cairn/announce/2.0.0"

// MaxMessageSize caps every RPC the router reads: far above an announcement
// (dag.MaxAnnouncementSize), far below pubsub's 1 MiB default.
const MaxMessageSize = 64 << 10

// validateQueueSize is how many received messages may wait for the
// validator (pubsub's default is 32); beyond it the router drops them
// unread (Stats.Throttled).
const validateQueueSize = 256

// Gossip announces and receives publisher-log heads on Topic.
type Gossip struct {
	host       host.Host
	self       peer.ID
	log        *slog.Logger
	known      func(string) (uint64, time.Time)
	knownRev   func(string, cid.Cid) bool
	deliver    func(*dag.Announcement, peer.ID)
	deliverRev func(*dag.Revocation, []byte, cid.Cid, peer.ID)
	now        func() time.Time
	keys       *limiterSet
	peers      *limiterSet
	stats      counters
	mesh       *meshTracer

	ps     *pubsub.PubSub
	topic  *pubsub.Topic
	sub    *pubsub.Subscription
	cancel context.CancelFunc
	done   chan struct{}

	closeOnce sync.Once
	closed    chan struct{}

	scoresMu sync.Mutex
	scores   map[peer.ID]float64
}

// New starts a GossipSub router on h, joins Topic behind the announcement
// validator and delivers what others announce to cfg.Deliver until Close.
// The node's own announcements are flood-published: sent to every
// subscribed neighbour in good standing, not only to its mesh.
// Cancelling ctx stops the router too; Close must still be called.
func New(ctx context.Context, h host.Host, cfg Config) (*Gossip, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	g := newGossip(h.ID(), cfg)
	g.host = h
	g.mesh = newMeshTracer(&g.stats)
	ctx, g.cancel = context.WithCancel(ctx)
	ps, err := pubsub.NewGossipSub(ctx, h, append(routerOptions(),
		pubsub.WithFloodPublish(true),
		pubsub.WithValidateQueueSize(validateQueueSize),
		pubsub.WithRawTracer(g.mesh),
		pubsub.WithPeerScore(scoreParams(), scoreThresholds()),
		pubsub.WithPeerScoreInspect(pubsub.PeerScoreInspectFn(g.inspectScores), scoreInspectPeriod),
		pubsub.WithLogger(cfg.Log.With("system", "pubsub")),
	)...)
	if err != nil {
		g.cancel()
		return nil, fmt.Errorf("gossip: start router: %w", err)
	}
	g.ps = ps
	if err := g.join(); err != nil {
		g.shutdown()
		return nil, err
	}
	go g.receive(ctx)
	return g, nil
}

// newGossip returns a Gossip for self with cfg's validator state and no
// router yet.
func newGossip(self peer.ID, cfg Config) *Gossip {
	return &Gossip{
		self:       self,
		log:        cfg.Log,
		known:      cfg.Known,
		knownRev:   cfg.KnownRevocation,
		deliver:    cfg.Deliver,
		deliverRev: cfg.DeliverRevocation,
		now:        time.Now,
		keys:       newLimiterSet(cfg.KeyRate, cfg.KeyBurst, cfg.MaxTracked),
		peers:      newLimiterSet(cfg.PeerRate, cfg.PeerBurst, cfg.MaxTracked),
		done:       make(chan struct{}),
		closed:     make(chan struct{}),
		scores:     map[peer.ID]float64{},
	}
}

// routerOptions are the pubsub options every node on Topic must share: no
// pubsub-level author, sequence number or signature (the announcement is
// signed by its log's key), message IDs from content, and a size cap. Tests
// use them to build a router without the validator, as a rogue peer would.
func routerOptions() []pubsub.Option {
	return []pubsub.Option{
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		pubsub.WithNoAuthor(),
		pubsub.WithMessageIdFn(messageID),
		pubsub.WithMaxMessageSize(MaxMessageSize),
	}
}

// messageID is the ID of a message on Topic: the SHA-256 of its data, so
// the same announcement from any number of peers is seen once.
func messageID(m *pb.Message) string {
	sum := sha256.Sum256(m.GetData())
	return string(sum[:])
}

func (g *Gossip) join() error {
	if err := g.ps.RegisterTopicValidator(Topic, g.validate); err != nil {
		return fmt.Errorf("gossip: register validator: %w", err)
	}
	t, err := g.ps.Join(Topic)
	if err != nil {
		return fmt.Errorf("gossip: join %s: %w", Topic, err)
	}
	g.topic = t
	s, err := t.Subscribe()
	if err != nil {
		return fmt.Errorf("gossip: subscribe %s: %w", Topic, err)
	}
	g.sub = s
	return nil
}

// receive delivers accepted messages from others until the subscription ends.
func (g *Gossip) receive(ctx context.Context) {
	defer close(g.done)
	for {
		msg, err := g.sub.Next(ctx)
		if err != nil {
			return
		}
		if msg.ReceivedFrom == g.self {
			continue
		}
		switch v := msg.ValidatorData.(type) {
		case *dag.Announcement:
			g.deliver(v, msg.ReceivedFrom)
		case *revocation:
			g.deliverRev(v.r, msg.GetData(), v.c, msg.ReceivedFrom)
		}
	}
}

// Publish announces a, which must already be signed by its log's key. It
// returns an error wrapping ErrMalformed, ErrBadSignature or ErrRateLimited
// when a would not pass the validator; a is still not sent then. Publishing
// bytes already published is a no-op.
func (g *Gossip) Publish(ctx context.Context, a *dag.Announcement) error {
	select {
	case <-g.closed:
		return ErrClosed
	default:
	}
	data, err := a.Encode()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if err := sign.VerifyAnnouncement(a); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	err = g.topic.Publish(ctx, data)
	var verr pubsub.ValidationError
	if errors.As(err, &verr) && verr.Reason == pubsub.RejectValidationIgnored {
		return fmt.Errorf("%w: signer %s", ErrRateLimited, a.Signer)
	}
	if err != nil {
		return fmt.Errorf("gossip: publish: %w", err)
	}
	return nil
}

// PublishRevocation gossips a revocation, given as its bytes. Like Publish,
// it returns an error wrapping ErrMalformed, ErrBadSignature or
// ErrRateLimited when they would not pass the validator.
func (g *Gossip) PublishRevocation(ctx context.Context, data []byte) error {
	select {
	case <-g.closed:
		return ErrClosed
	default:
	}
	r, err := dag.DecodeRevocation(data)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if err := sign.VerifyRevocation(r); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	err = g.topic.Publish(ctx, data)
	var verr pubsub.ValidationError
	if errors.As(err, &verr) && verr.Reason == pubsub.RejectValidationIgnored {
		return fmt.Errorf("%w: signer %s", ErrRateLimited, r.Signer)
	}
	if err != nil {
		return fmt.Errorf("gossip: publish: %w", err)
	}
	return nil
}

// Peers returns the neighbours known to be subscribed to Topic.
func (g *Gossip) Peers() []peer.ID { return g.topic.ListPeers() }

// Mesh returns the neighbours in the router's mesh for Topic: those that
// forward every announcement to this node, and it to them.
func (g *Gossip) Mesh() []peer.ID { return g.mesh.list() }

// Stats returns the validator's counters.
func (g *Gossip) Stats() Stats { return g.stats.snapshot() }

// Close leaves Topic, stops the router and waits for the delivery
// goroutine. It is safe to call more than once.
func (g *Gossip) Close() error {
	g.closeOnce.Do(func() {
		close(g.closed)
		g.shutdown()
		<-g.done
	})
	return nil
}

// shutdown undoes what New did, as far as it got. Errors are those of a
// router already stopped by ctx, and are of no use to the caller.
func (g *Gossip) shutdown() {
	if g.sub != nil {
		g.sub.Cancel()
	}
	if g.topic != nil {
		if err := g.topic.Close(); err != nil {
			g.log.Debug("gossip: leave topic", "err", err)
		}
	}
	if err := g.ps.UnregisterTopicValidator(Topic); err != nil {
		g.log.Debug("gossip: unregister validator", "err", err)
	}
	g.cancel()
	for _, id := range pubsub.GossipSubDefaultProtocols {
		g.host.RemoveStreamHandler(id)
	}
}

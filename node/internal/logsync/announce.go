package logsync

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/gossip"
	"github.com/cairnpkg/cairn/sign"
)

// announceRetry is how long a rate-limited announcement waits: the time the
// per-key budget takes to refill one token at the rate receivers apply
// (250 ms at 4 a second). A longer wait only delays the newest head.
const announceRetry = time.Duration(float64(time.Second) / float64(gossip.DefaultKeyRate))

// Defaults of the announcer's schedule (docs/gossip.md §7).
const (
	// DefaultAnnounceInterval is how often a daemon says its logs' heads
	// again without news: followers judge freshness by it.
	DefaultAnnounceInterval = time.Hour
	// DefaultAnnounceTTL is how long an announcement may be relayed.
	DefaultAnnounceTTL = 24 * time.Hour
)

// AnnouncerConfig is what an Announcer works with.
type AnnouncerConfig struct {
	// Publish gossips an announcement; an error wrapping
	// gossip.ErrRateLimited defers it.
	Publish func(context.Context, *dag.Announcement) error
	// Keep stores an announcement made here as the newest statement of its
	// log's head; nil keeps nothing.
	Keep func(context.Context, *dag.Announcement)
	// Addrs returns the addresses put in each announcement as hints.
	Addrs func() []string
	// TTL is how long after it is made an announcement expires; 0 is
	// DefaultAnnounceTTL.
	TTL time.Duration
	Log *slog.Logger
}

// Announcer gossips the heads of the repo's own logs, each with a signed
// time and expiry. When a key's announcement budget is spent (gossip's
// per-key rate limit, which receivers apply too), only the newest head is
// announced again once the budget refills: it covers every entry before it.
type Announcer struct {
	cfg    AnnouncerConfig
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	deferred map[string]deferredHead // per key, the newest head waiting for its budget
}

// deferredHead is a head whose announcement waits for the key's budget.
type deferredHead struct {
	seq  uint64
	head cid.Cid
	key  *sign.Key
}

// NewAnnouncer returns an Announcer working until ctx ends or Close.
func NewAnnouncer(ctx context.Context, cfg AnnouncerConfig) *Announcer {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultAnnounceTTL
	}
	if cfg.Keep == nil {
		cfg.Keep = func(context.Context, *dag.Announcement) {}
	}
	if cfg.Addrs == nil {
		cfg.Addrs = func() []string { return nil }
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	return &Announcer{cfg: cfg, ctx: ctx, cancel: cancel, deferred: map[string]deferredHead{}}
}

// Close stops the retries and waits for them. It is idempotent.
func (a *Announcer) Close() error {
	a.cancel()
	a.wg.Wait()
	return nil
}

// Announce gossips head, entry seq of k's log, as the log's head now.
func (a *Announcer) Announce(seq uint64, head cid.Cid, k *sign.Key) {
	addrs := a.cfg.Addrs()
	if len(addrs) > dag.MaxAnnounceAddrs {
		addrs = addrs[:dag.MaxAnnounceAddrs]
	}
	now := time.Now()
	ann := &dag.Announcement{Seq: seq, Head: head, Addrs: addrs, Created: now, Expires: now.Add(a.cfg.TTL)}
	if err := sign.SignAnnouncement(k, ann); err != nil {
		a.cfg.Log.Warn("sign announcement", "err", err)
		return
	}
	a.cfg.Keep(a.ctx, ann)
	err := a.cfg.Publish(a.ctx, ann)
	switch {
	case errors.Is(err, gossip.ErrRateLimited):
		a.postpone(seq, head, k)
	case err != nil:
		a.cfg.Log.Warn("announce log head", "signer", ann.Signer, "seq", seq, "err", err)
	default:
		a.cfg.Log.Debug("announced log head", "signer", ann.Signer, "seq", seq, "head", head)
	}
}

// postpone keeps head as the newest head of k's log to announce, and starts
// the retry unless one is waiting.
func (a *Announcer) postpone(seq uint64, head cid.Cid, k *sign.Key) {
	a.mu.Lock()
	defer a.mu.Unlock()
	signer := k.DID()
	if old, ok := a.deferred[signer]; ok && old.seq >= seq {
		return
	}
	_, waiting := a.deferred[signer]
	a.deferred[signer] = deferredHead{seq, head, k}
	if waiting || a.ctx.Err() != nil {
		return
	}
	a.wg.Go(func() {
		t := time.NewTimer(announceRetry)
		defer t.Stop()
		select {
		case <-a.ctx.Done():
			return
		case <-t.C:
		}
		a.mu.Lock()
		h := a.deferred[signer]
		delete(a.deferred, signer)
		a.mu.Unlock()
		a.Announce(h.seq, h.head, h.key)
	})
}

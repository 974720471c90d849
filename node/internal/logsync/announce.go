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

// announceRetry is how long a rate-limited announcement waits: one token of
// the per-key budget.
const announceRetry = time.Second

// Announcer gossips the new heads of the repo's own logs. When a key's
// announcement budget is spent (gossip's per-key rate limit, which receivers
// apply too), only the newest head is announced again once the budget
// refills: it covers every entry before it.
type Announcer struct {
	publish func(context.Context, *dag.Announcement) error
	addrs   func() []string
	log     *slog.Logger
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu       sync.Mutex
	deferred map[string]deferredHead // per key, the newest head waiting for its budget
}

// deferredHead is a head whose announcement waits for the key's budget.
type deferredHead struct {
	entry *dag.LogEntry
	cid   cid.Cid
	key   *sign.Key
}

// NewAnnouncer returns an Announcer that publishes with publish (an error
// wrapping gossip.ErrRateLimited defers) and puts addrs() in each
// announcement as hints, until ctx ends or Close.
func NewAnnouncer(ctx context.Context, publish func(context.Context, *dag.Announcement) error, addrs func() []string, log *slog.Logger) *Announcer {
	ctx, cancel := context.WithCancel(ctx)
	return &Announcer{publish: publish, addrs: addrs, log: log, ctx: ctx, cancel: cancel, deferred: map[string]deferredHead{}}
}

// Close stops the retries and waits for them. It is idempotent.
func (a *Announcer) Close() error {
	a.cancel()
	a.wg.Wait()
	return nil
}

// Announce gossips e, stored under c, as the new head of k's log.
func (a *Announcer) Announce(e *dag.LogEntry, c cid.Cid, k *sign.Key) {
	addrs := a.addrs()
	if len(addrs) > dag.MaxAnnounceAddrs {
		addrs = addrs[:dag.MaxAnnounceAddrs]
	}
	ann := &dag.Announcement{Seq: e.Seq, Head: c, Addrs: addrs, Created: time.Now()}
	if err := sign.SignAnnouncement(k, ann); err != nil {
		a.log.Warn("sign announcement", "err", err)
		return
	}
	err := a.publish(a.ctx, ann)
	switch {
	case errors.Is(err, gossip.ErrRateLimited):
		a.postpone(e, c, k)
	case err != nil:
		a.log.Warn("announce log head", "signer", e.Signer, "seq", e.Seq, "err", err)
	default:
		a.log.Debug("announced log head", "signer", e.Signer, "seq", e.Seq, "head", c)
	}
}

// postpone keeps e as the newest head of its log to announce, and starts the
// retry unless one is waiting.
func (a *Announcer) postpone(e *dag.LogEntry, c cid.Cid, k *sign.Key) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.deferred[e.Signer]; ok && old.entry.Seq >= e.Seq {
		return
	}
	_, waiting := a.deferred[e.Signer]
	a.deferred[e.Signer] = deferredHead{e, c, k}
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
		h := a.deferred[e.Signer]
		delete(a.deferred, e.Signer)
		a.mu.Unlock()
		a.Announce(h.entry, h.cid, h.key)
	})
}

package node

import (
	"context"
	"errors"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/gossip"
	"github.com/cairnpkg/cairn/node/internal/heads"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
)

// startLogs starts what keeps the daemon's publisher logs in step with its
// peers' (docs/logs.md): gossip of new heads, head exchange, the follower
// that fetches missing entries, and the mirror.
func (d *Daemon) startLogs(ctx context.Context) error {
	d.follow = newFollower(d)
	d.mirror = newMirrorer(d)
	var err error
	d.gossip, err = gossip.New(ctx, d.host, gossip.Config{
		Log: d.log,
		Known: func(signer string) uint64 {
			h, err := d.repo.store.LogHead(ctx, signer)
			if err != nil {
				return 0
			}
			return h.Seq
		},
		Deliver: func(a *dag.Announcement, from peer.ID) {
			d.follow.tell(headNews{signer: a.Signer, seq: a.Seq, head: a.Head, from: from, addrs: a.Addrs})
		},
	})
	if err != nil {
		return err
	}
	src := func(ctx context.Context) ([]heads.Head, error) {
		hs, err := d.repo.store.LogHeads(ctx)
		if err != nil {
			return nil, err
		}
		if len(hs) > heads.MaxHeads {
			hs = hs[:heads.MaxHeads]
		}
		out := make([]heads.Head, len(hs))
		for i, h := range hs {
			out[i] = heads.Head{Signer: h.Signer, Seq: h.Seq, CID: h.CID}
		}
		return out, nil
	}
	sink := func(p peer.ID, hs []heads.Head) {
		for _, h := range hs {
			d.follow.tell(headNews{signer: h.Signer, seq: h.Seq, head: h.CID, from: p})
		}
	}
	heads.Serve(d.host, src, sink)
	d.syncer = heads.StartSync(ctx, d.host, heads.SyncConfig{Source: src, Sink: sink, Interval: d.cfg.headsInterval(), Log: d.log})
	d.wg.Add(2 + followers)
	go d.follow.intake(ctx)
	for range followers {
		go d.follow.run(ctx)
	}
	go d.mirror.run(ctx)
	announce := func(e *dag.LogEntry, c cid.Cid, k *sign.Key) { d.announce(ctx, e, c, k) }
	d.repo.logAppended.Store(&announce)
	poke := d.mirror.poke
	d.repo.mirrorsChanged.Store(&poke)
	policyChanged := func() {
		d.follow.policyChanged()
		d.mirror.poke()
	}
	d.repo.policyChanged.Store(&policyChanged)
	rejections := d.follow.recentRejections
	d.repo.rejections.Store(&rejections)
	return nil
}

// stopLogs undoes startLogs' hooks into the repo and stops the syncer and
// gossip; the follower and mirror stop with the daemon's context.
func (d *Daemon) stopLogs() []error {
	d.repo.logAppended.Store(nil)
	d.repo.mirrorsChanged.Store(nil)
	d.repo.policyChanged.Store(nil)
	d.repo.rejections.Store(nil)
	var errs []error
	if d.syncer != nil {
		errs = append(errs, d.syncer.Close())
	}
	if d.gossip != nil {
		errs = append(errs, d.gossip.Close())
	}
	return errs
}

// announce gossips the new head of k's log: e, stored under c. When the
// key's announcement budget is spent (gossip's per-key rate limit, which
// receivers apply too), only the newest head is announced again once the
// budget refills: it covers every entry before it.
func (d *Daemon) announce(ctx context.Context, e *dag.LogEntry, c cid.Cid, k *sign.Key) {
	addrs := d.fullAddrs()
	if len(addrs) > dag.MaxAnnounceAddrs {
		addrs = addrs[:dag.MaxAnnounceAddrs]
	}
	a := &dag.Announcement{Seq: e.Seq, Head: c, Addrs: addrs, Created: time.Now()}
	if err := sign.SignAnnouncement(k, a); err != nil {
		d.log.Warn("sign announcement", "err", err)
		return
	}
	err := d.gossip.Publish(ctx, a)
	switch {
	case errors.Is(err, gossip.ErrRateLimited):
		d.deferAnnounce(ctx, e, c, k)
	case err != nil:
		d.log.Warn("announce log head", "signer", e.Signer, "seq", e.Seq, "err", err)
	default:
		d.log.Debug("announced log head", "signer", e.Signer, "seq", e.Seq, "head", c)
	}
}

// deferredHead is a head whose announcement waits for the key's budget.
type deferredHead struct {
	entry *dag.LogEntry
	cid   cid.Cid
	key   *sign.Key
}

// deferAnnounce keeps e as the newest head of its log to announce, and
// starts the retry unless one is waiting.
func (d *Daemon) deferAnnounce(ctx context.Context, e *dag.LogEntry, c cid.Cid, k *sign.Key) {
	d.annMu.Lock()
	defer d.annMu.Unlock()
	if old, ok := d.deferred[e.Signer]; ok && old.entry.Seq >= e.Seq {
		return
	}
	if d.deferred == nil {
		d.deferred = map[string]deferredHead{}
	}
	_, waiting := d.deferred[e.Signer]
	d.deferred[e.Signer] = deferredHead{e, c, k}
	if waiting {
		return
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		t := time.NewTimer(announceRetry)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.annMu.Lock()
		h := d.deferred[e.Signer]
		delete(d.deferred, e.Signer)
		d.annMu.Unlock()
		d.announce(ctx, h.entry, h.cid, h.key)
	}()
}

// announceRetry is how long a rate-limited announcement waits: one token of
// the per-key budget.
const announceRetry = time.Second

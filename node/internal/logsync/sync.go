package logsync

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/exchange"
	"github.com/cairnpkg/cairn/node/internal/gossip"
	"github.com/cairnpkg/cairn/node/internal/heads"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/store"
)

// Store is what log syncing reads and writes of a repo's store.
type Store interface {
	logs.TxStore
	LogHeads(ctx context.Context) ([]store.Head, error)
}

var _ Store = (*store.Store)(nil)

// Config is what Start wires together.
type Config struct {
	Host     host.Host
	Exchange *exchange.Exchange
	Store    Store
	// Follows returns the keys whose logs the repo follows.
	Follows func() (map[string]bool, error)
	// Bus: Sync announces on LogAppended and looks again at ignored heads
	// on PolicyChanged; the follower emits LogsCaughtUp on it.
	Bus *events.Bus
	// Addrs returns the daemon's addresses, as hints in announcements.
	Addrs func() []string
	// HeadsInterval is how often heads are compared with each peer.
	HeadsInterval time.Duration
	Log           *slog.Logger
}

// Sync is a daemon's log syncing: gossip, head exchange, the follower and
// the announcer.
type Sync struct {
	gossip      *gossip.Gossip
	syncer      *heads.Syncer
	follower    *Follower
	announcer   *Announcer
	unsubscribe func()
}

// Start starts log syncing on cfg.Host until Close.
func Start(ctx context.Context, cfg Config) (_ *Sync, err error) {
	s := &Sync{unsubscribe: func() {}}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	s.follower = NewFollower(FollowerConfig{
		Logs: cfg.Store, Follows: cfg.Follows, Events: cfg.Bus, Log: cfg.Log,
		Blocks: NetBlocks{Host: cfg.Host, Exchange: cfg.Exchange, Store: cfg.Store, Log: cfg.Log},
		Ingest: func(ctx context.Context, chain []logs.Block) (*logs.IngestResult, error) {
			return logs.Ingest(ctx, cfg.Store, chain)
		},
	})
	s.gossip, err = gossip.New(ctx, cfg.Host, gossip.Config{
		Log: cfg.Log,
		Known: func(signer string) uint64 {
			h, err := cfg.Store.LogHead(ctx, signer)
			if err != nil {
				return 0
			}
			return h.Seq
		},
		Deliver: func(a *dag.Announcement, from peer.ID) {
			s.follower.Tell(News{Signer: a.Signer, Seq: a.Seq, Head: a.Head, From: from, Addrs: a.Addrs})
		},
	})
	if err != nil {
		return nil, err
	}
	src := HeadsOf(cfg.Store)
	sink := func(p peer.ID, hs []heads.Head) {
		for _, h := range hs {
			s.follower.Tell(News{Signer: h.Signer, Seq: h.Seq, Head: h.CID, From: p})
		}
	}
	heads.Serve(ctx, cfg.Host, src, sink)
	s.syncer = heads.StartSync(ctx, cfg.Host, heads.SyncConfig{Source: src, Sink: sink, Interval: cfg.HeadsInterval, Log: cfg.Log})
	s.follower.Start(ctx)
	s.announcer = NewAnnouncer(ctx, s.gossip.Publish, cfg.Addrs, cfg.Log)
	s.unsubscribe = cfg.Bus.Subscribe(func(e events.Event) {
		switch e := e.(type) {
		case events.LogAppended:
			s.announcer.Announce(e.Entry, e.CID, e.Key)
		case events.PolicyChanged:
			s.follower.PolicyChanged()
		}
	})
	return s, nil
}

// Rejections returns the recent heads of keys the repo does not follow.
func (s *Sync) Rejections() []Rejection { return s.follower.Rejections() }

// Stats returns the gossip validator's counters.
func (s *Sync) Stats() gossip.Stats {
	if s.gossip == nil {
		return gossip.Stats{}
	}
	return s.gossip.Stats()
}

// Close stops syncing and waits for its goroutines. Call it once.
func (s *Sync) Close() error {
	s.unsubscribe()
	var errs []error
	if s.syncer != nil {
		errs = append(errs, s.syncer.Close())
	}
	if s.announcer != nil {
		errs = append(errs, s.announcer.Close())
	}
	if s.follower != nil {
		errs = append(errs, s.follower.Close())
	}
	if s.gossip != nil {
		errs = append(errs, s.gossip.Close())
	}
	return errors.Join(errs...)
}

// HeadsOf returns the heads of the logs st holds (at most heads.MaxHeads),
// as a head exchange tells them.
func HeadsOf(st interface {
	LogHeads(ctx context.Context) ([]store.Head, error)
}) heads.Source {
	return func(ctx context.Context) ([]heads.Head, error) {
		hs, err := st.LogHeads(ctx)
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
}

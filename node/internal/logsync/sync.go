package logsync

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/exchange"
	"github.com/cairnpkg/cairn/node/internal/gossip"
	"github.com/cairnpkg/cairn/node/internal/heads"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/schedule"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// Store is what log syncing reads and writes of a repo's store.
type Store interface {
	logs.TxStore
	LogHeads(ctx context.Context) ([]store.Head, error)
	Statement(ctx context.Context, signer string) ([]byte, error)
	PutStatement(ctx context.Context, signer string, data []byte) error
	AllRevocations(ctx context.Context) ([]store.RevocationRecord, error)
}

var _ Store = (*store.Store)(nil)

// Config is what Start wires together.
type Config struct {
	Host     host.Host
	Exchange *exchange.Exchange
	Store    Store
	// Follows returns the keys whose logs the repo follows.
	Follows func() (map[string]bool, error)
	// Keys returns the repo's own signing keys: the heads of their logs
	// are announced again every AnnounceInterval, news or not.
	Keys func() ([]*sign.Key, error)
	// Bus: Sync announces on LogAppended, gossips on Revoked and looks
	// again at ignored heads on PolicyChanged; the follower emits
	// LogsCaughtUp on it, and Sync emits Revoked for revocations heard.
	Bus *events.Bus
	// Addrs returns the daemon's addresses, as hints in announcements.
	Addrs func() []string
	// HeadsInterval is how often heads are compared with each peer.
	HeadsInterval time.Duration
	// AnnounceInterval is how often the heads of the repo's own logs, and
	// the revocations it holds, are gossiped again; 0 is
	// DefaultAnnounceInterval. AnnounceTTL is how long an announcement may
	// be relayed; 0 is DefaultAnnounceTTL.
	AnnounceInterval time.Duration
	AnnounceTTL      time.Duration
	Log              *slog.Logger
}

// Sync is a daemon's log syncing: gossip, head exchange, the follower and
// the announcer.
type Sync struct {
	log         *slog.Logger
	stop        context.CancelFunc // the schedule of reannounce
	wg          sync.WaitGroup
	gossip      *gossip.Gossip
	syncer      *heads.Syncer
	follower    *Follower
	announcer   *Announcer
	unsubscribe func()
	traffic     heads.Traffic // of the head exchanges, both ways
}

// reannounceFirst is how soon after start the heads are first said again.
const reannounceFirst = 5 * time.Second

// Start starts log syncing on cfg.Host until Close.
func Start(ctx context.Context, cfg Config) (_ *Sync, err error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Sync{log: cfg.Log, stop: func() {}, unsubscribe: func() {}}
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
		Known: func(signer string) (uint64, time.Time) {
			var seq uint64
			if h, err := cfg.Store.LogHead(ctx, signer); err == nil {
				seq = h.Seq
			}
			return seq, statementTime(ctx, cfg.Store, signer)
		},
		KnownRevocation: func(signer string, c cid.Cid) bool {
			held, err := holdsRevocation(ctx, cfg.Store, signer, c)
			return err == nil && held
		},
		Deliver: func(a *dag.Announcement, from peer.ID) {
			s.heard(ctx, cfg, a)
			s.follower.Tell(News{Signer: a.Signer, Seq: a.Seq, Head: a.Head, From: from, Addrs: a.Addrs})
		},
		DeliverRevocation: func(r *dag.Revocation, data []byte, c cid.Cid, from peer.ID) {
			s.heardRevocation(ctx, cfg, r, data, c, from)
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
	heads.Serve(ctx, cfg.Host, src, sink, &s.traffic)
	s.syncer = heads.StartSync(ctx, cfg.Host, heads.SyncConfig{Source: src, Sink: sink, Interval: cfg.HeadsInterval, Traffic: &s.traffic, Log: cfg.Log})
	s.follower.Start(ctx)
	s.announcer = NewAnnouncer(ctx, AnnouncerConfig{
		Publish: s.gossip.Publish, Addrs: cfg.Addrs, TTL: cfg.AnnounceTTL, Log: cfg.Log,
		Keep: func(ctx context.Context, a *dag.Announcement) {
			if err := keepNewer(ctx, cfg.Store, a); err != nil {
				cfg.Log.Warn("keep the statement of a head", "signer", a.Signer, "err", err)
			}
		},
	})
	s.unsubscribe = cfg.Bus.Subscribe(func(e events.Event) {
		switch e := e.(type) {
		case events.LogAppended:
			s.announcer.Announce(e.Entry.Seq, e.CID, e.Key)
		case events.Revoked:
			if !e.Heard {
				s.publishRevocation(ctx, e.Data)
			}
		case events.PolicyChanged:
			s.follower.PolicyChanged()
		}
	})
	interval := cfg.AnnounceInterval
	if interval <= 0 {
		interval = DefaultAnnounceInterval
	}
	// The first time soon after start, once peers are connected: a daemon
	// coming back says at once that its logs are alive.
	first := min(interval, reannounceFirst)
	actx, stop := context.WithCancel(ctx)
	s.stop = stop
	s.wg.Go(func() {
		schedule.Every(actx, first, interval, nil, func(ctx context.Context) { s.reannounce(ctx, cfg) })
	})
	return s, nil
}

// heard keeps a statement of a followed log's head heard from a peer, if it
// is newer than the one held: followers judge freshness by it.
func (s *Sync) heard(ctx context.Context, cfg Config, a *dag.Announcement) {
	if ok, err := s.follower.follows(a.Signer); err != nil || !ok {
		return
	}
	if err := keepNewer(ctx, cfg.Store, a); err != nil {
		cfg.Log.Warn("keep the statement of a head", "signer", a.Signer, "err", err)
	}
}

// heardRevocation stores a revocation heard from a peer, whoever it
// revokes (a node may trust the key later, and a revocation must outlive
// the key's log), and tells the repo.
func (s *Sync) heardRevocation(ctx context.Context, cfg Config, r *dag.Revocation, data []byte, c cid.Cid, from peer.ID) {
	added, err := storeRevocation(ctx, cfg.Store, r, data, c)
	switch {
	case err != nil:
		cfg.Log.Warn("store a revocation heard", "signer", r.Signer, "revocation", c, "from", from, "err", err)
	case added:
		cfg.Log.Warn("key revoked", "signer", r.Signer, "since", r.Since, "reason", r.Reason, "revocation", c, "from", from)
		cfg.Bus.Emit(events.Revoked{Revocation: r, CID: c, Data: data, Heard: true})
	}
}

// publishRevocation gossips a revocation's bytes.
func (s *Sync) publishRevocation(ctx context.Context, data []byte) {
	if err := s.gossip.PublishRevocation(ctx, data); err != nil && !errors.Is(err, gossip.ErrClosed) {
		s.log.Warn("gossip a revocation", "err", err)
	}
}

// reannounce says the heads of the repo's own logs again, and gossips the
// revocations the repo holds: news or not, a follower learns that nothing
// was withheld (freshness), and a node that joined late learns of the keys
// revoked.
func (s *Sync) reannounce(ctx context.Context, cfg Config) {
	if cfg.Keys != nil {
		keys, err := cfg.Keys()
		if err != nil {
			cfg.Log.Warn("announce heads again: read the keys", "err", err)
		}
		for _, k := range keys {
			h, err := cfg.Store.LogHead(ctx, k.DID())
			if err != nil {
				continue // no log, or no longer readable: nothing to say
			}
			if logs.Retired(ctx, cfg.Store, k.DID()) != nil {
				continue // rotated or revoked: its log says no more
			}
			s.announcer.Announce(h.Seq, h.CID, k)
		}
	}
	revs, err := cfg.Store.AllRevocations(ctx)
	if err != nil {
		cfg.Log.Warn("gossip revocations again", "err", err)
		return
	}
	for _, rec := range revs {
		data, err := cfg.Store.Block(ctx, rec.Revocation)
		if err != nil {
			continue
		}
		s.publishRevocation(ctx, data)
	}
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

// HeadsTraffic returns the bytes sent and received in head exchanges.
func (s *Sync) HeadsTraffic() (sent, received uint64) {
	return s.traffic.Sent(), s.traffic.Received()
}

// Close stops syncing and waits for its goroutines. Call it once.
func (s *Sync) Close() error {
	s.unsubscribe()
	s.stop()
	s.wg.Wait()
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

// CatchUp has the follower catch signer's log up to entry seq (head), from
// peer from, and waits for it: see Follower.CatchUp.
func (s *Sync) CatchUp(ctx context.Context, signer string, head cid.Cid, seq uint64, from peer.ID) error {
	return s.follower.CatchUp(ctx, News{Signer: signer, Seq: seq, Head: head, From: from})
}

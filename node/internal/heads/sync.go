package heads

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Defaults of SyncConfig.
const (
	DefaultInterval = 30 * time.Second
	// maxExchanges bounds the exchanges a Syncer runs at once.
	maxExchanges = 4
)

// SyncConfig configures StartSync. Zero values take the defaults.
type SyncConfig struct {
	// Source gives this node's heads; nil sends none.
	Source Source
	// Sink is told what each peer holds; nil drops it.
	Sink Sink
	// Interval between rounds with every connected peer (default 30 s).
	Interval time.Duration
	// MinSpacing is the least time between two exchanges with one peer, so a
	// peer that reconnects again and again does not cause a storm (default
	// Interval/2).
	MinSpacing time.Duration
	// Traffic, if set, counts the bytes of the exchanges.
	Traffic *Traffic
	// Log receives failed exchanges at debug level (default: discarded).
	Log *slog.Logger
}

// Syncer exchanges heads with peers that speak ID: with each when identify
// completes on a new connection, and with all connected ones every Interval.
// At most maxExchanges run at once, and one peer at most once per MinSpacing.
type Syncer struct {
	h      host.Host
	cfg    SyncConfig
	log    *slog.Logger
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	wake   chan struct{}

	mu     sync.Mutex
	queue  []peer.ID
	queued map[peer.ID]bool
	last   map[peer.ID]time.Time // when the last exchange with a peer started
}

// StartSync starts a Syncer on h. It runs until ctx ends or Close is called.
// Answering peers is Serve's job: a node calls both.
func StartSync(ctx context.Context, h host.Host, cfg SyncConfig) *Syncer {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.MinSpacing <= 0 {
		cfg.MinSpacing = cfg.Interval / 2
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Syncer{
		h: h, cfg: cfg, log: log, cancel: cancel,
		wake:   make(chan struct{}, 1),
		queued: make(map[peer.ID]bool),
		last:   make(map[peer.ID]time.Time),
	}
	// Subscribe before the first round, so no peer identified in between is missed.
	sub, err := h.EventBus().Subscribe(new(event.EvtPeerIdentificationCompleted))
	if err != nil {
		log.Warn("heads: no identify events, periodic rounds only", "err", err)
	} else {
		s.wg.Add(1)
		go s.watch(ctx, sub)
	}
	for range maxExchanges {
		s.wg.Add(1)
		go s.work(ctx)
	}
	s.wg.Add(1)
	go s.tick(ctx)
	return s
}

// Close stops the Syncer and waits for its goroutines; exchanges in flight
// are reset. It is safe to call more than once.
func (s *Syncer) Close() error {
	s.once.Do(func() {
		s.cancel()
		s.wg.Wait()
	})
	return nil
}

// watch queues each peer whose identification says it speaks ID.
func (s *Syncer) watch(ctx context.Context, sub event.Subscription) {
	defer s.wg.Done()
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-sub.Out():
			if !ok {
				return
			}
			if evt, ok := e.(event.EvtPeerIdentificationCompleted); ok && slices.Contains(evt.Protocols, ID) {
				s.enqueue(evt.Peer, time.Now())
			}
		}
	}
}

// tick runs a round at once (peers connected before the start), then every
// Interval.
func (s *Syncer) tick(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		s.round(time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// round queues every connected peer that speaks ID, and forgets spacing that
// has run out.
func (s *Syncer) round(now time.Time) {
	s.mu.Lock()
	for p, t := range s.last {
		if now.Sub(t) >= s.cfg.MinSpacing {
			delete(s.last, p)
		}
	}
	s.mu.Unlock()
	for _, p := range s.h.Network().Peers() {
		if ps, err := s.h.Peerstore().SupportsProtocols(p, ID); err == nil && len(ps) > 0 {
			s.enqueue(p, now)
		}
	}
}

// enqueue queues p unless it is queued already or was exchanged with less
// than MinSpacing ago.
func (s *Syncer) enqueue(p peer.ID, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queued[p] {
		return
	}
	if t, ok := s.last[p]; ok && now.Sub(t) < s.cfg.MinSpacing {
		return
	}
	s.queued[p] = true
	s.queue = append(s.queue, p)
	s.signal()
}

// signal wakes one worker; s.mu is held.
func (s *Syncer) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// next takes the first queued peer and starts its spacing.
func (s *Syncer) next() (peer.ID, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return "", false
	}
	p := s.queue[0]
	s.queue = s.queue[1:]
	delete(s.queued, p)
	s.last[p] = time.Now()
	if len(s.queue) > 0 {
		s.signal() // another worker may take the rest
	}
	return p, true
}

// work runs queued exchanges until ctx ends.
func (s *Syncer) work(ctx context.Context) {
	defer s.wg.Done()
	for {
		p, ok := s.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
				continue
			}
		}
		if ctx.Err() != nil {
			return
		}
		heads, err := Exchange(ctx, s.h, p, s.cfg.Source, s.cfg.Traffic)
		if err != nil {
			s.log.Debug("heads exchange failed", "peer", p, "err", err)
			continue
		}
		if s.cfg.Sink != nil {
			s.cfg.Sink(p, heads)
		}
	}
}

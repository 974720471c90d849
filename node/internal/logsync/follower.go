package logsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/store"
)

// The follower's defaults: FollowTimeout bounds one catch-up of one log,
// EntryTimeout the fetch of one of its entries (a few hundred bytes: a peer
// that names a head it cannot serve wastes at most that), and Workers is how
// many logs catch up at once.
const (
	DefaultFollowTimeout = time.Minute
	DefaultEntryTimeout  = 10 * time.Second
	DefaultWorkers       = 4
)

// maxRejections is how many refused heads of unfollowed keys the follower
// remembers for `mirror status`; newsQueue bounds the heads waiting to be
// looked at; followedTTL is how long the set of followed keys is cached (a
// PolicyChanged drops it at once).
const (
	maxRejections = 32
	newsQueue     = 1024
	followedTTL   = 2 * time.Second
)

// News is a log head a peer says it holds, from an announcement or a head
// exchange.
type News struct {
	Signer string
	Seq    uint64
	Head   cid.Cid
	From   peer.ID
	Addrs  []string // the announcer's address hints
}

// Rejection is an announced head the node did not follow, and why.
type Rejection struct {
	Signer string    `json:"signer"`
	Seq    uint64    `json:"seq"`
	Head   cid.Cid   `json:"head"`
	From   string    `json:"from"`
	Claim  string    `json:"claim,omitempty"` // name@version the head entry names, if fetched
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Logs is what the follower reads of the store's logs.
type Logs interface {
	LogHead(ctx context.Context, signer string) (store.Head, error)
	LogEntry(ctx context.Context, signer string, seq uint64) (cid.Cid, error)
}

// Blocks gets one block that a peer told of, checked against its CID; not
// stored (the ingest stores it in its Txn).
type Blocks interface {
	GetBlock(ctx context.Context, c cid.Cid, from peer.ID, addrs []string) ([]byte, error)
}

// A Ranger is Blocks that can also get a run of a log's entries from one
// peer in one round trip (logs.Range). The follower asks the peer that told
// of the head for the entries it lacks with it, when Blocks is one.
type Ranger interface {
	LogRange(ctx context.Context, p peer.ID, signer string, from, count uint64) (map[cid.Cid][]byte, error)
}

// FollowerConfig is what a Follower works with.
type FollowerConfig struct {
	Logs   Logs
	Blocks Blocks
	// Ingest stores a checked chain of one log, oldest first (logs.Ingest).
	Ingest func(ctx context.Context, chain []logs.Block) (*logs.IngestResult, error)
	// Follows returns the keys whose logs the repo follows
	// (trust.FollowedKeys).
	Follows func() (map[string]bool, error)
	// Events receives LogsCaughtUp; nil discards.
	Events events.Sink
	Log    *slog.Logger
	// Workers, FollowTimeout and EntryTimeout default to the Default values.
	Workers       int
	FollowTimeout time.Duration
	EntryTimeout  time.Duration
}

// Follower catches the repo's logs up with the heads peers hold: each
// worker walks one log at a time back from a newer head to what the repo
// holds, and ingests the entries.
type Follower struct {
	cfg FollowerConfig

	// news queues heads as gossip and head exchange deliver them, so that
	// neither waits for a policy read: when it is full, news is dropped (the
	// next head exchange brings it again).
	news    chan News
	dropped atomic.Int64

	// followed caches the keys the repo follows, for followedTTL.
	followedMu sync.Mutex
	followed   map[string]bool
	followedAt time.Time

	mu         sync.Mutex
	pending    map[string]News // signer -> newest head heard of
	active     map[string]bool // signers a worker is catching up
	waiters    map[string][]waiter
	rejections []Rejection
	probing    chan struct{} // bounds fetches of unfollowed heads (for the reason)
	wake       chan struct{}

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// NewFollower returns a Follower; Start starts it.
func NewFollower(cfg FollowerConfig) *Follower {
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.FollowTimeout <= 0 {
		cfg.FollowTimeout = DefaultFollowTimeout
	}
	if cfg.EntryTimeout <= 0 {
		cfg.EntryTimeout = DefaultEntryTimeout
	}
	if cfg.Events == nil {
		cfg.Events = events.Discard
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Follower{cfg: cfg, news: make(chan News, newsQueue), pending: map[string]News{}, active: map[string]bool{}, waiters: map[string][]waiter{},
		probing: make(chan struct{}, 2), wake: make(chan struct{}, cfg.Workers), cancel: func() {}}
}

// Start starts the intake of news and the workers, until ctx ends or Close.
func (f *Follower) Start(ctx context.Context) {
	ctx, f.cancel = context.WithCancel(ctx)
	f.wg.Go(func() { f.intake(ctx) })
	for range f.cfg.Workers {
		f.wg.Go(func() { f.run(ctx) })
	}
}

// Close stops the follower and waits for its goroutines. It is idempotent.
func (f *Follower) Close() error {
	f.closeOnce.Do(func() {
		f.cancel()
		f.wg.Wait()
	})
	return nil
}

// Tell queues news of a head without blocking.
func (f *Follower) Tell(n News) {
	select {
	case f.news <- n:
	default:
		if f.dropped.Add(1)%100 == 1 {
			f.cfg.Log.Warn("log head news dropped: queue full", "dropped", f.dropped.Load())
		}
	}
}

// waiter is a CatchUp waiting for its signer's log to reach seq.
type waiter struct {
	seq  uint64
	done chan error // buffered: gets one value
}

// CatchUp has the follower catch n.Signer's log up to n.Seq, as news of
// n, and waits until the repo holds that entry (nil), the catch-up fails
// with nothing newer pending (its error), or ctx ends. A fetch that finds a
// log too far ahead to walk in its own Txn asks this, then fetches again.
func (f *Follower) CatchUp(ctx context.Context, n News) error {
	if follows, err := f.follows(n.Signer); err != nil {
		return err
	} else if !follows {
		return fmt.Errorf("the policy names no rule with %s: its log is not followed", n.Signer)
	}
	w := waiter{seq: n.Seq, done: make(chan error, 1)}
	f.mu.Lock()
	f.waiters[n.Signer] = append(f.waiters[n.Signer], w)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.waiters[n.Signer] = slices.DeleteFunc(f.waiters[n.Signer], func(o waiter) bool { return o.done == w.done })
		f.mu.Unlock()
	}()
	if held, err := f.cfg.Logs.LogHead(ctx, n.Signer); err == nil && held.Seq >= n.Seq {
		return nil
	}
	f.Tell(n)
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// answer tells the waiters of signer, after a catch-up of it that ended
// with err, whose wait is over.
func (f *Follower) answer(ctx context.Context, signer string, err error) {
	f.mu.Lock()
	ws := slices.Clone(f.waiters[signer])
	_, more := f.pending[signer]
	f.mu.Unlock()
	if len(ws) == 0 {
		return
	}
	held, herr := f.cfg.Logs.LogHead(ctx, signer)
	for _, w := range ws {
		var v error
		switch {
		case herr == nil && held.Seq >= w.seq:
		case more:
			continue // a newer head is pending: its catch-up answers
		case err != nil:
			v = err
		default:
			v = fmt.Errorf("the catch-up of %s's log ended at entry %d, not %d", signer, held.Seq, w.seq)
		}
		select {
		case w.done <- v:
		default: // answered already
		}
	}
}

// intake looks at queued news until ctx ends.
func (f *Follower) intake(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-f.news:
			f.heard(ctx, n)
		}
	}
}

// follows reports whether the repo follows signer's log, from a set of keys
// refreshed every followedTTL.
func (f *Follower) follows(signer string) (bool, error) {
	f.followedMu.Lock()
	defer f.followedMu.Unlock()
	if f.followed == nil || time.Since(f.followedAt) > followedTTL {
		set, err := f.cfg.Follows()
		if err != nil {
			return false, err
		}
		f.followed, f.followedAt = set, time.Now()
	}
	return f.followed[signer], nil
}

// heard takes news of a head: queued if the repo follows the key and the
// head is news, remembered as a rejection if the repo does not follow it.
func (f *Follower) heard(ctx context.Context, n News) {
	follows, err := f.follows(n.Signer)
	if err != nil {
		f.cfg.Log.Warn("read policy", "err", err)
		return
	}
	if !follows {
		f.reject(ctx, n)
		return
	}
	if held, err := f.cfg.Logs.LogHead(ctx, n.Signer); err == nil && n.Seq <= held.Seq {
		// Not news, unless it is another entry at a seq held: a fork to prove.
		if c, err := f.cfg.Logs.LogEntry(ctx, n.Signer, n.Seq); err != nil || c.Equals(n.Head) {
			f.answer(ctx, n.Signer, nil) // a CatchUp that raced a catch-up
			return
		}
	}
	f.mu.Lock()
	if old, ok := f.pending[n.Signer]; !ok || n.Seq >= old.Seq {
		f.pending[n.Signer] = n
	}
	f.mu.Unlock()
	f.poke()
}

// poke wakes a worker, if one sleeps.
func (f *Follower) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// run is one of the workers that catch up queued logs, one log at a time
// each, until ctx ends.
func (f *Follower) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
		}
		for {
			n, ok := f.next()
			if !ok {
				break
			}
			res, err := f.follow(ctx, n)
			f.done(n.Signer)
			f.answer(ctx, n.Signer, err)
			if err != nil {
				f.cfg.Log.Warn("log catch-up failed", "signer", n.Signer, "head", n.Seq, "from", n.From, "err", err)
			}
			// A long catch-up keeps the runs it ingested before an error.
			if res != nil && (len(res.Added) > 0 || len(res.Evidence) > 0) {
				f.cfg.Log.Info("log caught up", "signer", n.Signer, "added", len(res.Added), "head", n.Seq, "evidence", len(res.Evidence))
				for _, ev := range res.Evidence {
					f.cfg.Log.Warn("equivocation detected", "kind", ev.Kind, "name", ev.Name+"@"+ev.Version,
						"signers", ev.Signers, "entries", ev.Entries)
				}
				f.cfg.Events.Emit(events.LogsCaughtUp{Signer: n.Signer, Added: len(res.Added), Evidence: len(res.Evidence)})
			}
		}
	}
}

func (f *Follower) next() (News, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for s, n := range f.pending {
		if f.active[s] {
			continue // another worker has it; it looks again when done
		}
		delete(f.pending, s)
		f.active[s] = true
		return n, true
	}
	return News{}, false
}

// done marks signer's catch-up finished, and wakes a worker if news of it
// came meanwhile.
func (f *Follower) done(signer string) {
	f.mu.Lock()
	delete(f.active, signer)
	_, more := f.pending[signer]
	f.mu.Unlock()
	if more {
		f.poke()
	}
}

// follow fetches the entries of n's log from n.Head back to what the repo
// holds, each checked against its CID, its signature and the seq it must
// have, and ingests them: in one Txn up to logs.MaxWalk entries, a run at a
// time beyond (followLong).
func (f *Follower) follow(ctx context.Context, n News) (*logs.IngestResult, error) {
	held, err := f.cfg.Logs.LogHead(ctx, n.Signer)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	// FollowTimeout bounds the catch-up of up to logs.MaxWalk entries; a
	// longer one gets as much per logs.MaxWalk entries of the gap.
	timeout := f.cfg.FollowTimeout
	if n.Seq > held.Seq {
		timeout *= time.Duration((n.Seq-held.Seq-1)/logs.MaxWalk + 1)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	get := func(ctx context.Context, c cid.Cid) ([]byte, error) {
		return f.cfg.Blocks.GetBlock(ctx, c, n.From, n.Addrs)
	}
	var rng logs.Range
	if r, ok := f.cfg.Blocks.(Ranger); ok && n.From != "" {
		rng = func(ctx context.Context, from, count uint64) (map[cid.Cid][]byte, error) {
			return r.LogRange(ctx, n.From, n.Signer, from, count)
		}
	}
	if n.Seq > held.Seq+logs.MaxWalk {
		return f.followLong(ctx, n, get, rng, held)
	}
	t0 := time.Now()
	chain, err := logs.Walk(ctx, get, rng, n.Signer, n.Head, n.Seq, held, f.cfg.EntryTimeout)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	res, err := f.cfg.Ingest(ctx, chain)
	f.cfg.Log.Debug("log catch-up timing", "signer", n.Signer, "head", n.Seq, "walk", t1.Sub(t0), "ingest", time.Since(t1))
	return res, err
}

// errForked ends a long catch-up whose ingest found a fork: the entries
// after it do not follow the log as held.
var errForked = errors.New("fork")

// followLong is follow for a head more than logs.MaxWalk entries ahead:
// logs.WalkLong checks the whole chain, then ingests it a run at a time, each
// run in a Txn of its own, so memory does not grow with the gap and a
// catch-up cut short (by FollowTimeout, per logs.MaxWalk entries of the gap)
// keeps the runs it ingested; the next
// news of the head goes on from there.
func (f *Follower) followLong(ctx context.Context, n News, get func(context.Context, cid.Cid) ([]byte, error), rng logs.Range, held store.Head) (*logs.IngestResult, error) {
	res := &logs.IngestResult{}
	err := logs.WalkLong(ctx, get, rng, n.Signer, n.Head, n.Seq, held, f.cfg.EntryTimeout, func(ctx context.Context, run []logs.Block) error {
		r, err := f.cfg.Ingest(ctx, run)
		if r != nil {
			res.Added = append(res.Added, r.Added...)
			res.Evidence = append(res.Evidence, r.Evidence...)
		}
		if err == nil && r != nil && len(r.Evidence) > 0 {
			err = errForked
		}
		return err
	})
	if errors.Is(err, errForked) {
		err = nil
	}
	if err != nil && len(res.Added) > 0 {
		err = fmt.Errorf("%d entries caught up, then: %w", len(res.Added), err)
	}
	return res, err
}

// reject remembers a head of a key the repo does not follow. When it can, it
// fetches the head entry (one small block, checked), in the background, to
// say what it claimed.
func (f *Follower) reject(ctx context.Context, n News) {
	rj := Rejection{Signer: n.Signer, Seq: n.Seq, Head: n.Head, From: n.From.String(), At: time.Now().UTC(),
		Reason: "the key is not in the trust policy: its log is not followed, resolved or mirrored"}
	select {
	case f.probing <- struct{}{}:
		f.wg.Go(func() {
			defer func() { <-f.probing }()
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if data, err := f.cfg.Blocks.GetBlock(pctx, n.Head, n.From, n.Addrs); err == nil {
				if b, err := logs.Check(n.Head, data, n.Signer); err == nil {
					rj.Claim = b.Entry.Ref().String()
					rj.Reason = fmt.Sprintf("entry %d of %s names %s, but the trust policy does not name the key: its log is not followed, resolved or mirrored",
						b.Entry.Seq, n.Signer, rj.Claim)
				} else {
					rj.Reason = fmt.Sprintf("the key is not in the trust policy, and its head entry is bad: %v", err)
				}
			}
			f.remember(rj)
		})
	default:
		f.remember(rj)
	}
}

func (f *Follower) remember(rj Rejection) {
	f.cfg.Log.Info("log head not followed", "signer", rj.Signer, "seq", rj.Seq, "from", rj.From, "reason", rj.Reason)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rejections = slices.DeleteFunc(f.rejections, func(o Rejection) bool { return o.Signer == rj.Signer && o.Head.Equals(rj.Head) })
	f.rejections = append(f.rejections, rj)
	if len(f.rejections) > maxRejections {
		f.rejections = slices.Delete(f.rejections, 0, len(f.rejections)-maxRejections)
	}
}

// PolicyChanged forgets the cached followed keys and looks again at the
// heads it ignored: a key the policy now names is followed at once, without
// waiting for the next head exchange. The heads of keys it still does not
// name stay as they were, with what their probe found: they are not fetched
// again.
func (f *Follower) PolicyChanged() {
	f.followedMu.Lock()
	f.followed = nil
	f.followedMu.Unlock()
	f.mu.Lock()
	ignored := slices.Clone(f.rejections)
	f.mu.Unlock()
	var again []Rejection
	for _, rj := range ignored {
		ok, err := f.follows(rj.Signer)
		if err != nil {
			f.cfg.Log.Warn("read policy", "err", err)
			return
		}
		if ok {
			again = append(again, rj)
		}
	}
	f.mu.Lock()
	f.rejections = slices.DeleteFunc(f.rejections, func(o Rejection) bool {
		return slices.ContainsFunc(again, func(rj Rejection) bool { return o.Signer == rj.Signer && o.Head.Equals(rj.Head) })
	})
	f.mu.Unlock()
	for _, rj := range again {
		from, _ := peer.Decode(rj.From)
		f.Tell(News{Signer: rj.Signer, Seq: rj.Seq, Head: rj.Head, From: from})
	}
}

// Rejections returns the heads ignored of keys the repo still does not
// follow.
func (f *Follower) Rejections() []Rejection {
	f.mu.Lock()
	out := slices.Clone(f.rejections)
	f.mu.Unlock()
	return slices.DeleteFunc(out, func(rj Rejection) bool {
		ok, err := f.follows(rj.Signer)
		return err == nil && ok
	})
}

package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// followTimeout bounds one catch-up of one log, entryTimeout the fetch of one
// of its entries (a few hundred bytes: a peer that names a head it cannot
// serve wastes at most that), and followers is how many logs catch up at once.
const (
	followTimeout = time.Minute
	entryTimeout  = 10 * time.Second
	followers     = 4
)

// maxRejections is how many refused heads of unfollowed keys the daemon
// remembers for `mirror status`.
const maxRejections = 32

// headNews is a log head a peer says it holds, from an announcement or a
// head exchange.
type headNews struct {
	signer string
	seq    uint64
	head   cid.Cid
	from   peer.ID
	addrs  []string
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

// follower catches the daemon's logs up with the heads peers hold: one
// goroutine walks one log at a time back from a newer head to what the repo
// holds, and ingests the entries.
type follower struct {
	d *Daemon

	// news queues heads as gossip and head exchange deliver them, so that
	// neither waits for a policy read: when it is full, news is dropped (the
	// next head exchange brings it again).
	news    chan headNews
	dropped atomic.Int64

	// followed caches the keys the repo follows, for followedTTL.
	followedMu sync.Mutex
	followed   map[string]bool
	followedAt time.Time

	mu         sync.Mutex
	pending    map[string]headNews // signer -> newest head heard of
	active     map[string]bool     // signers a worker is catching up
	rejections []Rejection
	probing    chan struct{} // bounds fetches of unfollowed heads (for the reason)
	wake       chan struct{}
}

// newsQueue bounds the heads waiting to be looked at; followedTTL is how long
// the set of followed keys is cached (a policy change takes effect after it).
const (
	newsQueue   = 1024
	followedTTL = 2 * time.Second
)

func newFollower(d *Daemon) *follower {
	return &follower{d: d, news: make(chan headNews, newsQueue), pending: map[string]headNews{}, active: map[string]bool{},
		probing: make(chan struct{}, 2), wake: make(chan struct{}, followers)}
}

// tell queues news of a head without blocking.
func (f *follower) tell(n headNews) {
	select {
	case f.news <- n:
	default:
		if f.dropped.Add(1)%100 == 1 {
			f.d.log.Warn("log head news dropped: queue full", "dropped", f.dropped.Load())
		}
	}
}

// intake looks at queued news until ctx ends.
func (f *follower) intake(ctx context.Context) {
	defer f.d.wg.Done()
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
// refreshed every followedTTL (Repo.followsKey reads the policy and the keys).
func (f *follower) follows(signer string) (bool, error) {
	f.followedMu.Lock()
	defer f.followedMu.Unlock()
	if f.followed == nil || time.Since(f.followedAt) > followedTTL {
		set, err := f.d.repo.followedKeys()
		if err != nil {
			return false, err
		}
		f.followed, f.followedAt = set, time.Now()
	}
	return f.followed[signer], nil
}

// heard takes news of a head: queued if the repo follows the key and the
// head is news, remembered as a rejection if the repo does not follow it.
func (f *follower) heard(ctx context.Context, n headNews) {
	follows, err := f.follows(n.signer)
	if err != nil {
		f.d.log.Warn("read policy", "err", err)
		return
	}
	if !follows {
		f.reject(ctx, n)
		return
	}
	if held, err := f.d.repo.store.LogHead(ctx, n.signer); err == nil && n.seq <= held.Seq {
		// Not news, unless it is another entry at a seq held: a fork to prove.
		if c, err := f.d.repo.store.LogEntry(ctx, n.signer, n.seq); err != nil || c.Equals(n.head) {
			return
		}
	}
	f.mu.Lock()
	if old, ok := f.pending[n.signer]; !ok || n.seq >= old.seq {
		f.pending[n.signer] = n
	}
	f.mu.Unlock()
	f.poke()
}

// poke wakes a worker, if one sleeps.
func (f *follower) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// run is one of the workers that catch up queued logs, one log at a time
// each, until ctx ends.
func (f *follower) run(ctx context.Context) {
	defer f.d.wg.Done()
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
			cctx, cancel := context.WithTimeout(ctx, followTimeout)
			res, err := f.d.followLog(cctx, n)
			cancel()
			f.done(n.signer)
			switch {
			case err != nil:
				f.d.log.Warn("log catch-up failed", "signer", n.signer, "head", n.seq, "from", n.from, "err", err)
			case len(res.Added) > 0 || len(res.Evidence) > 0:
				f.d.counters.logEntries.Add(float64(len(res.Added)))
				f.d.log.Info("log caught up", "signer", n.signer, "added", len(res.Added), "head", n.seq, "evidence", len(res.Evidence))
				f.d.mirror.poke()
			}
		}
	}
}

func (f *follower) next() (headNews, bool) {
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
	return headNews{}, false
}

// done marks signer's catch-up finished, and wakes a worker if news of it
// came meanwhile.
func (f *follower) done(signer string) {
	f.mu.Lock()
	delete(f.active, signer)
	_, more := f.pending[signer]
	f.mu.Unlock()
	if more {
		f.poke()
	}
}

// reject remembers a head of a key the repo does not follow. When it can, it
// fetches the head entry (one small block, checked), in the background, to
// say what it claimed.
func (f *follower) reject(ctx context.Context, n headNews) {
	rj := Rejection{Signer: n.signer, Seq: n.seq, Head: n.head, From: n.from.String(), At: time.Now().UTC(),
		Reason: "the key is not in the trust policy: its log is not followed, resolved or mirrored"}
	select {
	case f.probing <- struct{}{}:
		f.d.wg.Add(1)
		go func() {
			defer f.d.wg.Done()
			defer func() { <-f.probing }()
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if data, err := f.d.getBlock(pctx, n.head, n.from, n.addrs); err == nil {
				if b, err := checkLogBlock(n.head, data, n.signer); err == nil {
					rj.Claim = b.entry.Ref().String()
					rj.Reason = fmt.Sprintf("entry %d of %s names %s, but the trust policy does not name the key: its log is not followed, resolved or mirrored",
						b.entry.Seq, n.signer, rj.Claim)
				} else {
					rj.Reason = fmt.Sprintf("the key is not in the trust policy, and its head entry is bad: %v", err)
				}
			}
			f.remember(rj)
		}()
	default:
		f.remember(rj)
	}
}

func (f *follower) remember(rj Rejection) {
	f.d.log.Info("log head not followed", "signer", rj.Signer, "seq", rj.Seq, "from", rj.From, "reason", rj.Reason)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rejections = slices.DeleteFunc(f.rejections, func(o Rejection) bool { return o.Signer == rj.Signer && o.Head.Equals(rj.Head) })
	f.rejections = append(f.rejections, rj)
	if len(f.rejections) > maxRejections {
		f.rejections = slices.Delete(f.rejections, 0, len(f.rejections)-maxRejections)
	}
}

// policyChanged forgets the cached followed keys and looks again at the
// heads it ignored: a key the policy now names is followed at once, without
// waiting for the next head exchange.
func (f *follower) policyChanged() {
	f.followedMu.Lock()
	f.followed = nil
	f.followedMu.Unlock()
	f.mu.Lock()
	again := f.rejections
	f.rejections = nil
	f.mu.Unlock()
	for _, rj := range again {
		from, _ := peer.Decode(rj.From)
		f.tell(headNews{signer: rj.Signer, seq: rj.Seq, head: rj.Head, from: from})
	}
}

// recentRejections returns the heads ignored of keys the repo still does not
// follow.
func (f *follower) recentRejections() []Rejection {
	f.mu.Lock()
	out := slices.Clone(f.rejections)
	f.mu.Unlock()
	return slices.DeleteFunc(out, func(rj Rejection) bool {
		ok, err := f.follows(rj.Signer)
		return err == nil && ok
	})
}

// followLog fetches the entries of n's log from n.head back to what the repo
// holds (at most MaxLogWalk), each checked against its CID, its signature and
// the seq it must have, and ingests them.
func (d *Daemon) followLog(ctx context.Context, n headNews) (*IngestResult, error) {
	held, err := d.repo.store.LogHead(ctx, n.signer)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	var chain []logBlock // newest first
	c, want := n.head, n.seq
	for {
		ectx, cancel := context.WithTimeout(ctx, entryTimeout)
		data, err := d.getBlock(ectx, c, n.from, n.addrs)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("entry %d (%s): %w", want, c, err)
		}
		b, err := checkLogBlock(c, data, n.signer)
		if err != nil {
			return nil, err
		}
		if b.entry.Seq != want {
			return nil, fmt.Errorf("%w: %s is entry %d, expected %d", ErrBadLog, c, b.entry.Seq, want)
		}
		chain = append(chain, b)
		e := b.entry
		if e.Seq == 1 || e.Seq <= held.Seq || (e.Seq-1 == held.Seq && e.Prev.Equals(held.CID)) {
			break
		}
		if len(chain) >= MaxLogWalk {
			return nil, fmt.Errorf("%w: more than %d entries of %s beyond what this node holds", ErrBadLog, MaxLogWalk, n.signer)
		}
		c, want = e.Prev, e.Seq-1
	}
	slices.Reverse(chain)
	return d.repo.ingestLog(ctx, chain)
}

// getBlock fetches one block over bitswap, connecting first to the peer
// that told of it (and its address hints) if it is not connected. The block
// is not stored: the caller checks it and stores it in its own Txn.
func (d *Daemon) getBlock(ctx context.Context, c cid.Cid, from peer.ID, addrs []string) ([]byte, error) {
	if data, err := d.repo.store.Block(ctx, c); err == nil {
		return data, nil
	}
	d.connectHint(ctx, from, addrs)
	b, err := d.x.NewSession(ctx).GetBlock(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := dag.CheckBlock(c, b.RawData()); err != nil {
		return nil, err
	}
	return b.RawData(), nil
}

// connectHint connects to p, through addrs (multiaddrs with /p2p/ID) if given,
// unless already connected. Failure is not an error: bitswap asks every
// connected peer anyway.
func (d *Daemon) connectHint(ctx context.Context, p peer.ID, addrs []string) {
	if p == "" || p == d.host.ID() || len(d.host.Network().ConnsToPeer(p)) > 0 {
		return
	}
	var infos []peer.AddrInfo
	for _, s := range addrs {
		m, err := ma.NewMultiaddr(s)
		if err != nil {
			continue
		}
		if ai, err := peer.AddrInfoFromP2pAddr(m); err == nil && ai.ID != d.host.ID() {
			infos = append(infos, *ai)
		}
	}
	if len(infos) == 0 {
		infos = append(infos, peer.AddrInfo{ID: p})
	}
	for _, ai := range infos {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := d.host.Connect(cctx, ai)
		cancel()
		if err == nil {
			return
		}
		d.log.Debug("connect to announcer", "peer", ai.ID, "err", err)
	}
}

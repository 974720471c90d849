package node

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/node/internal/metrics"
)

// provideAll announces the repo's package roots in the DHT (at start and
// every reprovide interval): package roots, not every block, so that
// providing keeps up however large the packages are.
//
// With no peer in the DHT's routing table a pass would tell no one: every
// announcement fails, after the DHT has kept a record of it in its
// in-memory provider store (with 100,000 packages, about 80 MiB of heap
// for nothing). Such a pass is skipped, and provideWhenPeers starts the
// next one as soon as the routing table has a peer.
func (d *Daemon) provideAll(ctx context.Context) {
	if d.dht.RoutingTable().Size() == 0 {
		d.provideWaiting.Store(true)
		d.log.Debug("reprovide: no peer in the DHT yet; providing once there is one")
		return
	}
	d.provideWaiting.Store(false)
	vs, err := d.repo.store.Versions(ctx, "")
	if err != nil {
		d.log.Warn("reprovide: list packages", "err", err)
		return
	}
	n, total := 0, 0
	for _, v := range vs {
		for _, root := range d.roots(ctx, v.Package) {
			total++
			if err := d.Provide(ctx, root); err != nil {
				d.log.Debug("provide failed", "cid", root, "err", err)
				continue
			}
			n++
		}
	}
	d.log.Info("provided package and content roots", "count", n, "of", total)
}

// dhtPeerPoll is how often a daemon whose provide pass found no DHT peer
// looks again.
const dhtPeerPoll = 2 * time.Second

// provideWhenPeers wakes the provide pass (through wake) once the DHT's
// routing table has a peer, if the last pass was skipped for want of one.
func (d *Daemon) provideWhenPeers(ctx context.Context, wake chan<- struct{}) {
	t := time.NewTicker(dhtPeerPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if d.provideWaiting.Load() && d.dht.RoutingTable().Size() > 0 {
			select {
			case wake <- struct{}{}:
			default: // a wake is already pending
			}
		}
	}
}

// roots returns what the DHT announces for c: c itself and, for a package,
// the root of each layer's content, so that IPFS tools that know only a
// content CID (Kubo's `ipfs routing findprovs`, `ipfs cat`) find this node.
func (d *Daemon) roots(ctx context.Context, c cid.Cid) []cid.Cid {
	out := []cid.Cid{c}
	if c.Prefix().Codec != cid.DagCBOR {
		return out
	}
	p, err := d.repo.Package(ctx, c)
	if err != nil {
		return out
	}
	for _, l := range p.Layers {
		out = append(out, l.Content)
	}
	return out
}

// Provide announces in the DHT that this node has c.
func (d *Daemon) Provide(ctx context.Context, c cid.Cid) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return d.dht.Provide(ctx, c, true)
}

// metrics builds the Prometheus handler the API serves at /metrics.
func (d *Daemon) metrics() http.Handler {
	return metrics.Handler(d.counters, metrics.Sources{
		Peers:   func() int { return len(d.host.Network().Peers()) },
		Blocks:  d.blocks.Blocks,
		Bitswap: d.x.Stat,
		Gossip:  d.logs.Stats,
		Upload:  d.upload,
		Heads:   d.logs.HeadsTraffic,
	})
}

// Connect dials a peer by a multiaddr with /p2p/ID.
func (d *Daemon) Connect(ctx context.Context, addr string) error {
	_, err := apiBackend{d}.Connect(ctx, addr)
	return err
}

// storeStatInterval is how long a count of the store's blocks serves
// /metrics: counting walks every key (and maps every table of a large
// store into memory), so it is not done on every scrape, nor by a daemon
// nobody scrapes.
const storeStatInterval = time.Minute

// blockCounter is cairn_blocks_stored: counted when /metrics is read and
// the last count is older than storeStatInterval.
type blockCounter struct {
	count func(context.Context) (int, error)

	mu sync.Mutex // one count at a time; a scrape meanwhile waits for it
	n  int64
	at time.Time // of the last count; zero before the first
}

// Blocks returns the number of blocks, counting them again if the last
// count is old. A failed count leaves the last one.
func (b *blockCounter) Blocks() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.at.IsZero() && time.Since(b.at) < storeStatInterval {
		return b.n
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if n, err := b.count(ctx); err == nil {
		b.n, b.at = int64(n), time.Now()
	}
	return b.n
}

// Fetch gets a package, named by CID or NAME@VERSION, from peers, verified
// and kept in one transaction, or nothing (fetch.Fetcher.Fetch).
func (d *Daemon) Fetch(ctx context.Context, target string, timeout time.Duration, opts ...FetchOption) (*FetchResult, error) {
	return d.fetcher.Fetch(ctx, target, timeout, opts...)
}

// Fetches lists the fetches in progress.
func (d *Daemon) Fetches() []FetchProgress { return d.fetcher.Progress() }

// MirrorStatus is the repo's MirrorStatus with the heads the daemon did not
// follow.
func (d *Daemon) MirrorStatus(ctx context.Context) (*MirrorStatus, error) {
	st, err := d.repo.MirrorStatus(ctx)
	if err != nil {
		return nil, err
	}
	st.Rejected = d.logs.Rejections()
	return st, nil
}

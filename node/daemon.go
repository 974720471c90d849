package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipfs/go-cid"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/atomicfile"
	"github.com/cairnpkg/cairn/node/internal/api"
	"github.com/cairnpkg/cairn/node/internal/dagstream"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/exchange"
	"github.com/cairnpkg/cairn/node/internal/exepages"
	"github.com/cairnpkg/cairn/node/internal/fetch"
	"github.com/cairnpkg/cairn/node/internal/gateway"
	"github.com/cairnpkg/cairn/node/internal/logsync"
	"github.com/cairnpkg/cairn/node/internal/lookup"
	"github.com/cairnpkg/cairn/node/internal/metrics"
	"github.com/cairnpkg/cairn/node/internal/mirror"
	"github.com/cairnpkg/cairn/node/internal/p2p"
	"github.com/cairnpkg/cairn/node/internal/schedule"
	"github.com/cairnpkg/cairn/node/internal/storage"
	"github.com/cairnpkg/cairn/node/internal/upload"
	"github.com/cairnpkg/cairn/node/internal/webui"
)

// Agent is the libp2p user agent of Cairn nodes.
const Agent = "cairn/0.1.0"

// DaemonOptions override the repo's [network] config for one run (the
// daemon's flags); empty fields keep the config's values.
type DaemonOptions struct {
	Listen    []string
	API       string
	Bootstrap []string
	MDNS      *bool
	// Gateway, if set, is the read-only HTTP gateway's address; "" disables
	// the gateway.
	Gateway *string
	// UploadLimit, if set, replaces [network] upload_limit; "" is no limit.
	UploadLimit *string
	// Commands, if set, runs CLI commands on the daemon's repo for the API's
	// POST /api/v1/run, so the CLI works while the daemon holds the repo.
	// The CLI provides it; node knows nothing of commands.
	Commands func(ctx context.Context, args []string) CommandResult
}

// CommandResult is what a command run by the daemon printed, and its exit code.
type CommandResult = api.RunResult

// Validate checks the options' values (before any repo is made or opened).
func (o DaemonOptions) Validate() error {
	n := NetworkConfig{Listen: o.Listen, Bootstrap: o.Bootstrap, API: o.API, ReprovideInterval: "1h"}
	if n.API == "" {
		n.API = DefaultAPIAddr
	}
	if o.Gateway != nil {
		n.Gateway = *o.Gateway
	}
	if o.UploadLimit != nil {
		n.UploadLimit = *o.UploadLimit
	}
	if err := n.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	return nil
}

// DaemonInfo is what daemon.json says about a running daemon.
type DaemonInfo struct {
	PID     int       `json:"pid"`
	PeerID  string    `json:"peerID"`
	Addrs   []string  `json:"addrs"`
	API     string    `json:"api"`
	Gateway string    `json:"gateway,omitempty"` // the HTTP gateway's address, if it runs
	Started time.Time `json:"started"`
}

// Daemon is a running node: the libp2p host, the DHT, bitswap over the
// repo's store, the stream protocols, log syncing, the mirror, the local
// HTTP API and the read-only HTTP gateway. Its parts live in node/internal
// and hear of the repo's work through its event bus (docs/architecture.md).
// Close stops it.
type Daemon struct {
	repo *Repo
	cfg  NetworkConfig
	log  *slog.Logger
	host host.Host
	dht  *dht.IpfsDHT
	x    *exchange.Exchange
	mdns *p2p.MDNS
	api  *api.Server
	gw   *gateway.Server
	info DaemonInfo

	fetcher  *fetch.Fetcher
	logs     *logsync.Sync
	mirror   *mirror.Mirrorer
	counters *metrics.Counters
	blocks   *blockCounter
	start    time.Time

	provideWaiting atomic.Bool // the last provide pass found no DHT peer

	upload *upload.Limiter // what serving others may send, and has sent

	commands func(ctx context.Context, args []string) CommandResult

	unsubscribe func()
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	runMu       sync.Mutex // guards closing against wg.Go after wg.Wait began
	closing     bool

	closeOnce sync.Once
	closeErr  error
}

// StartDaemon starts a node on an open repo and writes daemon.json once it
// listens. The daemon does not own the repo: close the daemon, then the repo.
func StartDaemon(ctx context.Context, r *Repo, o DaemonOptions) (_ *Daemon, err error) {
	cfg := r.cfg.Network
	if len(o.Listen) > 0 {
		cfg.Listen = o.Listen
	}
	if o.API != "" {
		cfg.API = o.API
	}
	if len(o.Bootstrap) > 0 {
		cfg.Bootstrap = o.Bootstrap
	}
	if o.MDNS != nil {
		cfg.MDNS = *o.MDNS
	}
	if o.Gateway != nil {
		cfg.Gateway = *o.Gateway
	}
	if o.UploadLimit != nil {
		cfg.UploadLimit = *o.UploadLimit
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	reprovide, _ := time.ParseDuration(cfg.ReprovideInterval) // checked by Validate
	key, id, err := p2p.LoadIdentity(r.path(IdentityFile))
	if err != nil {
		return nil, err
	}
	token, err := r.APIToken()
	if err != nil {
		return nil, err
	}

	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d := &Daemon{repo: r, cfg: cfg, log: r.log, cancel: cancel, start: time.Now(), commands: o.Commands, blocks: &blockCounter{count: r.store.CountBlocks},
		counters: metrics.NewCounters(), upload: upload.New(cfg.uploadLimit()), unsubscribe: func() {}}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	d.host, err = p2p.NewHost(p2p.HostConfig{
		Identity: key, Listen: cfg.Listen, Announce: cfg.Announce,
		ConnLow: cfg.ConnLow, ConnHigh: cfg.ConnHigh, UserAgent: Agent,
	})
	if err != nil {
		return nil, err
	}
	d.dht, err = p2p.NewDHT(ctx, d.host, p2p.DHTConfig{Public: cfg.PublicNetwork, Bootstrap: cfg.Bootstrap})
	if err != nil {
		return nil, err
	}
	// What bitswap and the whole-DAG stream send goes through the upload limit.
	// Both serve blocks unchecked: a receiver hashes every block it is sent
	// (bitswap derives the CID from the bytes, the stream checks each one).
	d.x = exchange.New(ctx, upload.Host(d.host, d.upload, upload.Bitswap), d.dht, r.store.UncheckedBlockstore())
	lookup.ServeReferrers(ctx, d.host, r.store)
	lookup.ServeNames(ctx, d.host, r.store)
	dagstream.Serve(ctx, upload.Host(d.host, d.upload, upload.Stream), r.store.UncheckedBlockstore())
	dagstream.ServeLog(ctx, upload.Host(d.host, d.upload, upload.Stream), r.store, r.store.UncheckedBlockstore(),
		func(n int) { d.counters.LogRunsServed.Add(float64(n)) })
	d.unsubscribe = r.events.Subscribe(func(e events.Event) { d.heard(ctx, e) })
	d.fetcher = fetch.New(fetch.Config{
		Store: r.store, Policy: r.trustPolicy, Resolve: r.ResolveRef, Events: r.events, Count: d.counters.Fetched, Log: d.log,
		StorageMax: r.cfg.Store.storageMax(), Usage: r.DiskUsage,
		Net: fetch.Libp2p{Host: d.host, Routing: d.dht, Bitswap: d.x.Blocks(), Heads: logsync.HeadsOf(r.store), Log: d.log},
		// d.logs starts below; a fetch runs only once the daemon has started.
		CatchUp: func(ctx context.Context, signer string, head cid.Cid, seq uint64, from peer.ID) error {
			if d.logs == nil {
				return errors.New("the daemon's log follower is not running")
			}
			return d.logs.CatchUp(ctx, signer, head, seq, from)
		},
	})
	d.logs, err = logsync.Start(ctx, logsync.Config{
		Host: d.host, Exchange: d.x, Store: r.store, Follows: r.followedKeys, Keys: r.ownKeys, Bus: r.events,
		Addrs: d.fullAddrs, HeadsInterval: cfg.headsInterval(),
		AnnounceInterval: cfg.announceInterval(), AnnounceTTL: cfg.announceTTL(), Log: d.log,
	})
	if err != nil {
		return nil, fmt.Errorf("publisher logs: %w", err)
	}
	d.mirror = mirror.New(mirror.Config{
		Rules: r.mirrors, Store: r.store, Policy: r.trustPolicy, Bus: r.events, Count: d.counters.MirrorEntry, Log: d.log,
		Fetch: func(ctx context.Context, c cid.Cid, ref dag.Ref) error {
			// A mirror keeps yanked versions too: they stay fetchable by
			// CID, and the logs it serves say they are yanked.
			_, err := d.fetcher.Package(ctx, c, &ref, 0, fetch.WithAllowYanked())
			return err
		},
		KeyDID: func(name string) (string, error) {
			k, err := r.key(name)
			if err != nil {
				return "", err
			}
			return k.DID(), nil
		},
		Sign: func(ctx context.Context, meta cid.Cid, key string) error {
			_, err := r.Sign(ctx, SignRequest{Metadata: meta, Key: key, Role: dag.RoleMirror})
			return err
		},
		Remove: r.removeRetained,
	})
	d.mirror.Start(ctx)
	if cfg.MDNS {
		if d.mdns, err = p2p.StartMDNS(ctx, d.host, d.log); err != nil {
			return nil, fmt.Errorf("mdns: %w", err)
		}
	}

	ln, err := net.Listen("tcp", cfg.API)
	if err != nil {
		return nil, fmt.Errorf("api: listen on %s: %w", cfg.API, err)
	}
	handler, err := api.NewHandler(api.Config{Token: token, Backend: apiBackend{d}, Metrics: d.metrics(), Log: d.log})
	if err != nil {
		ln.Close()
		return nil, err
	}
	ui, err := webui.New(webui.Config{Source: uiSource{d}, Log: d.log})
	if err != nil {
		ln.Close()
		return nil, err
	}
	// The web view shares the API's loopback listener (its origin), never
	// the gateway's, which serves anyone's content.
	d.api = api.Serve(ln, webui.Mount(ui, handler), d.log)
	if cfg.Gateway != "" {
		if d.gw, err = startGateway(cfg.Gateway, cfg.gatewayConfig(), r, d.upload, d.log); err != nil {
			return nil, err
		}
	}

	d.info = DaemonInfo{PID: os.Getpid(), PeerID: id.String(), Addrs: d.fullAddrs(), API: ln.Addr().String(), Started: d.start.UTC()}
	if d.gw != nil {
		d.info.Gateway = d.gw.Addr().String()
	}
	data, err := json.MarshalIndent(d.info, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(r.path(DaemonFile), append(data, '\n'), 0o644); err != nil {
		return nil, err
	}
	wakeProvide := make(chan struct{}, 1)
	d.wg.Go(func() { schedule.Every(ctx, 5*time.Second, reprovide, wakeProvide, d.provideAll) }) // bootstrap connects first
	d.wg.Go(func() { d.provideWhenPeers(ctx, wakeProvide) })
	if r.cfg.Store.gcInterval() > 0 || r.cfg.Store.GCWatermarkMiB > 0 {
		auto := &storage.Auto{Store: r, Log: d.log, Every: r.cfg.Store.gcInterval(), Watermark: uint64(r.cfg.Store.GCWatermarkMiB) << 20, Last: time.Now()}
		d.wg.Go(func() { schedule.Every(ctx, storage.CheckEvery, storage.CheckEvery, nil, auto.Check) })
	}
	d.log.Info("daemon ready", "peer", id, "addrs", d.info.Addrs, "api", d.info.API, "gateway", d.info.Gateway)
	d.wg.Go(func() { d.releaseStartupPages(ctx) })
	return d, nil
}

// releaseStartupAfter is how long after it is ready the daemon drops its
// executable's pages from its RSS: start-up (bootstrap, the first provides)
// is mostly over by then.
const releaseStartupAfter = 3 * time.Second

// releaseStartupPages drops, releaseStartupAfter after start, the pages of
// the executable that start-up mapped (internal/exepages): the init code of
// every package and what only start-up runs. Idle, the daemon's RSS then
// holds what it still runs (docs/architecture.md).
func (d *Daemon) releaseStartupPages(ctx context.Context) {
	t := time.NewTimer(releaseStartupAfter)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
		n, err := exepages.Release()
		d.log.Debug("released the executable's start-up pages", "mapped_bytes", n, "err", err)
	}
}

// heard is the daemon's own subscriber to the repo's events: it provides
// what was committed (in the background, until ctx ends) and counts what
// the metrics count.
func (d *Daemon) heard(ctx context.Context, e events.Event) {
	d.counters.Count(e)
	if p, ok := e.(events.Published); ok {
		d.goWhileRunning(func() {
			for _, root := range d.roots(ctx, p.Root) {
				if err := d.Provide(ctx, root); err != nil {
					d.log.Debug("provide after publish", "cid", root, "err", err)
				}
			}
		})
	}
}

// goWhileRunning runs fn on a goroutine that Close waits for, unless Close
// has begun.
func (d *Daemon) goWhileRunning(fn func()) {
	d.runMu.Lock()
	defer d.runMu.Unlock()
	if !d.closing {
		d.wg.Go(fn)
	}
}

// startGateway serves the read-only HTTP gateway over the repo's blocks on
// addr, its response bodies limited by up.
func startGateway(addr string, cfg gateway.Config, r *Repo, up *upload.Limiter, log *slog.Logger) (*gateway.Server, error) {
	h, err := gateway.NewHandler(r.store.Blockstore(), cfg)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gateway: listen on %s: %w", addr, err)
	}
	return gateway.Serve(ln, upload.Handler(up, h), log), nil
}

// Info returns what daemon.json says.
func (d *Daemon) Info() DaemonInfo { return d.info }

// fullAddrs returns the host's addresses with /p2p/ID, as peers dial them.
func (d *Daemon) fullAddrs() []string {
	ai := peer.AddrInfo{ID: d.host.ID(), Addrs: d.host.Addrs()}
	mas, err := peer.AddrInfoToP2pAddrs(&ai)
	if err != nil {
		return nil
	}
	out := make([]string, len(mas))
	for i, a := range mas {
		out[i] = a.String()
	}
	return out
}

// Close stops the API, the gateway, log syncing, the mirror, bitswap, the
// DHT and the host, waits for the daemon's goroutines and removes
// daemon.json. It is idempotent.
func (d *Daemon) Close() error {
	d.closeOnce.Do(func() {
		d.unsubscribe()
		var errs []error
		if d.logs != nil {
			errs = append(errs, d.logs.Close())
		}
		if d.mirror != nil {
			errs = append(errs, d.mirror.Close())
		}
		d.cancel()
		if d.api != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			errs = append(errs, d.api.Close(ctx))
			cancel()
		}
		if d.gw != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			errs = append(errs, d.gw.Close(ctx))
			cancel()
		}
		d.runMu.Lock()
		d.closing = true
		d.runMu.Unlock()
		d.wg.Wait()
		if d.mdns != nil {
			errs = append(errs, d.mdns.Close())
		}
		if d.x != nil {
			errs = append(errs, d.x.Close())
		}
		if d.dht != nil {
			errs = append(errs, d.dht.Close())
		}
		if d.host != nil {
			errs = append(errs, d.host.Close())
		}
		if d.info.PID != 0 {
			if err := os.Remove(d.repo.path(DaemonFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
		d.closeErr = errors.Join(errs...)
		if d.info.PID != 0 {
			d.log.Info("daemon stopped")
		}
	})
	return d.closeErr
}

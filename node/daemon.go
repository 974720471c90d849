package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairnpkg/cairn/internal/atomicfile"
	"github.com/cairnpkg/cairn/node/internal/api"
	"github.com/cairnpkg/cairn/node/internal/dagstream"
	"github.com/cairnpkg/cairn/node/internal/exchange"
	"github.com/cairnpkg/cairn/node/internal/gateway"
	"github.com/cairnpkg/cairn/node/internal/gossip"
	"github.com/cairnpkg/cairn/node/internal/heads"
	"github.com/cairnpkg/cairn/node/internal/lookup"
	"github.com/cairnpkg/cairn/node/internal/p2p"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/boxo/bitswap"
	"github.com/ipfs/go-cid"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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
// repo's store, the local HTTP API and the read-only HTTP gateway. Close
// stops it.
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

	gossip *gossip.Gossip
	syncer *heads.Syncer
	follow *follower
	mirror *mirrorer
	// deferred holds, per key, the newest head whose announcement waits for
	// the key's gossip budget (announce.go).
	annMu    sync.Mutex
	deferred map[string]deferredHead
	start    time.Time

	commands func(ctx context.Context, args []string) CommandResult

	blocks   atomic.Int64 // blocks stored, as last counted (storeStatLoop)
	fetches  sync.Map     // fetch id -> *fetchState
	fetchIDs atomic.Int64
	counters counters

	cancel context.CancelFunc
	wg     sync.WaitGroup

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
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	reprovide, _ := time.ParseDuration(cfg.ReprovideInterval) // checked by Validate
	key, id, err := loadIdentity(r.path(IdentityFile))
	if err != nil {
		return nil, err
	}
	token, err := r.APIToken()
	if err != nil {
		return nil, err
	}

	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d := &Daemon{repo: r, cfg: cfg, log: r.log, cancel: cancel, start: time.Now(), commands: o.Commands, counters: newCounters()}
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
	d.x = exchange.New(ctx, d.host, d.dht, r.store.Blockstore())
	lookup.ServeReferrers(d.host, r.store)
	lookup.ServeNames(d.host, r.store)
	// Unchecked: the asker hashes every block it receives (dagstream.Serve).
	dagstream.Serve(d.host, r.store.UncheckedBlockstore())
	if err := d.startLogs(ctx); err != nil {
		return nil, fmt.Errorf("publisher logs: %w", err)
	}
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
	d.api = api.Serve(ln, handler, d.log)
	if cfg.Gateway != "" {
		if d.gw, err = startGateway(cfg.Gateway, r, d.log); err != nil {
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
	d.wg.Add(2)
	go d.provideLoop(ctx, reprovide)
	go d.storeStatLoop(ctx)
	announce := func(c cid.Cid) {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			for _, root := range d.roots(ctx, c) {
				if err := d.Provide(ctx, root); err != nil {
					d.log.Debug("provide after publish", "cid", root, "err", err)
				}
			}
		}()
	}
	r.published.Store(&announce)
	countVerdict := func(s sign.Status) { d.counters.verifications.WithLabelValues(string(s)).Inc() }
	r.verified.Store(&countVerdict)
	d.log.Info("daemon ready", "peer", id, "addrs", d.info.Addrs, "api", d.info.API, "gateway", d.info.Gateway)
	return d, nil
}

// startGateway serves the read-only HTTP gateway over the repo's blocks on
// addr.
func startGateway(addr string, r *Repo, log *slog.Logger) (*gateway.Server, error) {
	h, err := gateway.NewHandler(r.store.Blockstore(), gateway.Config{})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gateway: listen on %s: %w", addr, err)
	}
	return gateway.Serve(ln, h, log), nil
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

// Close stops the API, the gateway, bitswap, the DHT and the host, waits for the daemon's
// goroutines and removes daemon.json. It is idempotent.
func (d *Daemon) Close() error {
	d.closeOnce.Do(func() {
		d.repo.published.Store(nil)
		d.repo.verified.Store(nil)
		errs := d.stopLogs()
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

// provideLoop announces the repo's package roots in the DHT at start and
// every interval after: package roots, not every block, so that providing
// keeps up however large the packages are.
func (d *Daemon) provideLoop(ctx context.Context, every time.Duration) {
	defer d.wg.Done()
	t := time.NewTimer(5 * time.Second) // let bootstrap connect first
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.provideAll(ctx)
		t.Reset(every)
	}
}

func (d *Daemon) provideAll(ctx context.Context) {
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

// bitswapStat reads one of bitswap's counters.
func (d *Daemon) bitswapStat(f func(*bitswap.Stat) uint64) float64 {
	s, err := d.x.Stat()
	if err != nil {
		return 0
	}
	return float64(f(s))
}

// metrics builds the Prometheus registry the API serves at /metrics.
func (d *Daemon) metrics() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		d.counters.fetches, d.counters.verifications, d.counters.mirrored, d.counters.logEntries,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cairn_peers", Help: "Connected peers."},
			func() float64 { return float64(len(d.host.Network().Peers())) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cairn_blocks_stored", Help: "Blocks in the store, counted every minute."},
			func() float64 { return float64(d.blocks.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cairn_bitswap_blocks_received_total", Help: "Blocks received by bitswap."},
			func() float64 { return d.bitswapStat(func(s *bitswap.Stat) uint64 { return s.BlocksReceived }) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cairn_bitswap_data_received_bytes_total", Help: "Bytes of blocks received by bitswap."},
			func() float64 { return d.bitswapStat(func(s *bitswap.Stat) uint64 { return s.DataReceived }) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cairn_bitswap_blocks_sent_total", Help: "Blocks sent by bitswap."},
			func() float64 { return d.bitswapStat(func(s *bitswap.Stat) uint64 { return s.BlocksSent }) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cairn_bitswap_data_sent_bytes_total", Help: "Bytes of blocks sent by bitswap."},
			func() float64 { return d.bitswapStat(func(s *bitswap.Stat) uint64 { return s.DataSent }) }),
	)
	reg.MustRegister(d.gossipMetrics()...)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// Connect dials a peer by a multiaddr with /p2p/ID.
func (d *Daemon) Connect(ctx context.Context, addr string) error {
	_, err := apiBackend{d}.Connect(ctx, addr)
	return err
}

// storeStatInterval is how often the daemon counts its store's blocks for
// /metrics: counting walks every key, so it is not done on every scrape.
const storeStatInterval = time.Minute

func (d *Daemon) storeStatLoop(ctx context.Context) {
	defer d.wg.Done()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := d.repo.store.CountBlocks(ctx); err == nil {
			d.blocks.Store(int64(n))
		}
		t.Reset(storeStatInterval)
	}
}

package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/dagstream"
	"github.com/cairnpkg/cairn/node/internal/lookup"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/boxo/blockservice"
	bstore "github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// ErrUntrusted: a fetched package is not trusted under the policy, so it was
// not kept. The FetchResult's Report says why.
var ErrUntrusted = errors.New("package is not trusted")

// DefaultFetchTimeout bounds a fetch when the caller gives no timeout.
const DefaultFetchTimeout = 5 * time.Minute

// maxInputDepth bounds how far a fetch follows provenance inputs: as far as
// verification does.
const maxInputDepth = sign.MaxProvenanceDepth

// FetchResult says what a fetch brought.
type FetchResult struct {
	Package  cid.Cid      `json:"package"`
	Name     string       `json:"name"`
	Version  string       `json:"version"`
	Blocks   int64        `json:"blocks"`
	Bytes    int64        `json:"bytes"`
	Peers    []string     `json:"peers"`
	Seconds  float64      `json:"seconds"`
	Report   *sign.Report `json:"report"`
	Warnings []string     `json:"warnings,omitempty"`
}

// Fetch gets a package, named by CID or NAME@VERSION, with FetchCID. A name
// is looked up in the repo's index first, then asked of connected peers
// (/cairn/names/1.0.0); each candidate they name is fetched and verified in
// turn, and the first that is trusted and really is NAME@VERSION is kept.
func (d *Daemon) Fetch(ctx context.Context, target string, timeout time.Duration, opts ...FetchOption) (*FetchResult, error) {
	cfg := newFetchConfig(opts)
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if !strings.Contains(target, "@") {
		c, err := d.repo.Resolve(ctx, target)
		if err != nil {
			return nil, err
		}
		return d.fetchCID(ctx, c, nil, timeout, cfg)
	}
	ref, err := dag.ParseRef(target)
	if err != nil {
		return nil, err
	}
	cands, err := d.nameCandidates(ctx, ref)
	if err != nil {
		return nil, err
	}
	var (
		errs      []error
		untrusted *FetchResult // the verdicts to show when every candidate failed
	)
	for _, c := range cands {
		res, err := d.fetchCID(ctx, c, &ref, timeout, cfg)
		if err == nil {
			return res, nil
		}
		if errors.Is(err, ErrUntrusted) && res != nil && untrusted == nil {
			untrusted = res
		}
		errs = append(errs, fmt.Errorf("candidate %s: %w", c, err))
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 1 {
		return untrusted, errs[0]
	}
	return untrusted, fmt.Errorf("fetch %s: no candidate is a trusted %s: %w", ref, ref, errors.Join(errs...))
}

// nameCandidates returns the package CIDs the repo's index, then connected
// peers, map ref to.
func (d *Daemon) nameCandidates(ctx context.Context, ref dag.Ref) ([]cid.Cid, error) {
	if c, err := d.repo.store.Lookup(ctx, ref); err == nil {
		return []cid.Cid{c}, nil
	}
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		cands []cid.Cid
	)
	peers := d.cairnPeers(lookup.NamesID)
	for _, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs, err := lookup.AskName(ctx, d.host, p, ref)
			if err != nil {
				d.log.Debug("name lookup failed", "peer", p, "err", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, c := range cs {
				if !slices.ContainsFunc(cands, c.Equals) {
					cands = append(cands, c)
				}
			}
		}()
	}
	wg.Wait()
	if len(cands) == 0 {
		return nil, fmt.Errorf("%w: neither this repo nor any of %d connected peers knows %s", ErrNotFound, len(peers), ref)
	}
	return cands, nil
}

// fetchCID gets the package c and everything that makes it usable: its content
// (every block, each checked against its CID), the metadata sets and
// signatures its peers know of, and the packages its metadata names as
// inputs. It verifies the package against the repo's policy and then pins and
// indexes it all in one transaction; an untrusted package, a timeout or any
// error leaves the repo as it was. Blocks already in the repo are not fetched
// again; the blocks of a fetch that failed are rolled back with it, so a retry
// starts over (docs/network.md).
func (d *Daemon) fetchCID(ctx context.Context, c cid.Cid, want *dag.Ref, timeout time.Duration, cfg fetchConfig) (res *FetchResult, err error) {
	start := time.Now()
	pol, err := d.repo.Policy()
	if err != nil {
		return nil, err
	}
	tx, err := d.repo.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)

	f := newFetcher(d, tx, pol)
	f.transport = cfg.transport
	var providers atomic.Int64
	go d.findProviders(ctx, c, &providers)
	id := d.fetchIDs.Add(1)
	d.fetches.Store(id, &fetchState{target: c.String(), start: start, f: f})
	defer d.fetches.Delete(id)
	defer func() { d.countFetch(err) }()

	pkg, err := f.fetchPackage(ctx, c, 0)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("fetch %s: %w: not complete within %s (%d connected peers, %d providers found in the DHT, %d blocks received)",
				c, context.DeadlineExceeded, timeout, len(d.host.Network().Peers()), providers.Load(), f.counted.blocks.Load())
		}
		return nil, fmt.Errorf("fetch %s: %w", c, err)
	}
	if want != nil && pkg.Ref() != *want {
		return nil, fmt.Errorf("%w: a peer named %s as %s, but it is %s", ErrNotPackage, c, want, pkg.Ref())
	}
	rep, err := sign.Verify(ctx, txSource{d.repo.store, tx}, pol, c)
	if err != nil {
		return nil, err
	}
	d.repo.countVerdict(rep.Status)
	res = &FetchResult{
		Package: c, Name: pkg.Name.String(), Version: pkg.Version, Report: rep,
		Blocks: f.counted.blocks.Load(), Bytes: f.counted.bytes.Load(), Peers: f.peers(),
	}
	if !rep.Trusted() {
		return res, fmt.Errorf("%w: %s (%s): %s; nothing was kept", ErrUntrusted, pkg.Ref(), rep.Code, rep.Reason)
	}
	fetched := time.Since(start)
	res.Warnings, err = commit(ctx, tx)
	if err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	d.log.Debug("fetch timing", "package", c, "fetch_and_verify", fetched, "commit", time.Since(start)-fetched)
	if announce := d.repo.published.Load(); announce != nil {
		(*announce)(c) // provide it, as a publish is provided
	}
	d.log.Info("fetched", "package", c, "name", res.Name, "version", res.Version, "blocks", res.Blocks, "bytes", res.Bytes, "seconds", res.Seconds)
	return res, nil
}

// fetcher is one fetch's state.
type fetcher struct {
	d         *Daemon
	tx        *store.Txn
	pol       *sign.Policy
	transport Transport
	counted   *countingBlockstore
	bsvc      blockservice.BlockService
	dags      ipld.DAGService

	total atomic.Int64 // content bytes of the package, once its node is here

	mu       sync.Mutex
	done     map[cid.Cid]bool // packages fetched (or being fetched) by this fetch
	answered map[peer.ID]bool // peers that answered a referrers lookup
}

func newFetcher(d *Daemon, tx *store.Txn, pol *sign.Policy) *fetcher {
	f := &fetcher{d: d, tx: tx, pol: pol, counted: &countingBlockstore{Blockstore: tx.Blockstore()}, done: map[cid.Cid]bool{}, answered: map[peer.ID]bool{}}
	f.bsvc = blockservice.New(f.counted, d.x.Blocks(), blockservice.WithAllowlist(dag.HashAllowlist()))
	f.dags = merkledag.NewDAGService(f.bsvc)
	return f
}

// fetchPackage fetches package c's node, content and referrers, and (up to
// maxInputDepth) the packages its metadata sets name as inputs.
func (f *fetcher) fetchPackage(ctx context.Context, c cid.Cid, depth int) (*dag.Package, error) {
	f.mu.Lock()
	seen := f.done[c]
	f.done[c] = true
	f.mu.Unlock()
	if seen {
		return nil, nil
	}
	if err := dag.CheckNodeLink("package", c); err != nil {
		return nil, err
	}
	whole, err := f.streamDAG(ctx, c)
	if err != nil {
		return nil, err
	}
	blk, err := f.bsvc.GetBlock(ctx, c)
	if err != nil {
		return nil, err
	}
	pkg, err := dag.DecodePackage(blk.RawData())
	if err != nil {
		return nil, fmt.Errorf("%s is not a package: %w", c, err)
	}
	if depth == 0 {
		var total uint64
		for _, l := range pkg.Layers {
			total += l.Size
		}
		f.total.Store(int64(total))
	}
	for _, l := range pkg.Layers {
		if whole {
			// every block below the package arrived over the stream, checked
		} else if err := merkledag.FetchGraph(ctx, l.Content, f.dags); err != nil {
			return nil, fmt.Errorf("layer %q (%s): %w", l.Name, l.Content, err)
		}
		f.tx.Pin(l.Content, store.PinContent)
	}
	f.tx.Pin(c, store.PinPackage)
	f.tx.SetVersion(pkg.Ref(), c) // committed only if the whole chain verifies
	metas, err := f.fetchReferrers(ctx, c)
	if err != nil {
		return nil, err
	}
	if depth < maxInputDepth && len(metas) > 0 {
		// Follow the inputs of trusted metadata sets only: a peer's unsigned
		// set naming a CID no one has must not stall the fetch, and only
		// trusted sets' inputs count in verification.
		rep, err := sign.Verify(ctx, txSource{f.d.repo.store, f.tx}, f.pol, c)
		if err != nil {
			return nil, err
		}
		for _, mr := range rep.Metadata {
			if mr.Status != sign.Valid {
				continue
			}
			for _, in := range mr.Inputs {
				if _, err := f.fetchPackage(ctx, in, depth+1); err != nil {
					return nil, fmt.Errorf("input %s of %s: %w", in, pkg.Ref(), err)
				}
			}
		}
	}
	return pkg, nil
}

// fetchReferrers asks connected peers for the metadata sets of package c and
// their signatures, fetches them, and keeps those that name what they claim
// to. A peer's junk (a referrer naming another subject, bytes that are not a
// metadata set) is dropped, not trusted: signatures decide what counts.
func (f *fetcher) fetchReferrers(ctx context.Context, c cid.Cid) ([]*dag.MetadataSet, error) {
	pairs := f.askReferrers(ctx, c)
	var metas []*dag.MetadataSet
	metaCIDs := map[cid.Cid]bool{}
	for _, p := range pairs {
		if !p.Subject.Equals(c) || metaCIDs[p.Referrer] || dag.CheckNodeLink("metadata", p.Referrer) != nil {
			continue
		}
		blk, err := f.bsvc.GetBlock(ctx, p.Referrer)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			f.d.log.Debug("fetch: metadata set unavailable", "cid", p.Referrer, "err", err)
			continue
		}
		m, err := dag.DecodeMetadataSet(blk.RawData())
		if err != nil || !m.Subject.Equals(c) {
			f.d.log.Debug("fetch: dropped a referrer that is not a metadata set of the package", "cid", p.Referrer, "err", err)
			continue
		}
		metaCIDs[p.Referrer] = true
		metas = append(metas, m)
		f.tx.AddReferrer(c, p.Referrer, dag.NodeMetadata)
		f.tx.Pin(p.Referrer, store.PinMetadata)
	}
	seenSig := map[cid.Cid]bool{}
	for _, p := range pairs {
		if !metaCIDs[p.Subject] || seenSig[p.Referrer] || dag.CheckNodeLink("signature", p.Referrer) != nil {
			continue
		}
		seenSig[p.Referrer] = true
		blk, err := f.bsvc.GetBlock(ctx, p.Referrer)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		s, err := dag.DecodeSignature(blk.RawData())
		if err != nil || !s.Subject.Equals(p.Subject) {
			continue
		}
		f.tx.AddReferrer(p.Subject, p.Referrer, dag.NodeSignature)
		f.tx.Pin(p.Referrer, store.PinSignature)
	}
	return metas, nil
}

// maxReferrerPeers bounds how many connected peers a fetch asks for referrers.
const maxReferrerPeers = 16

// askReferrers asks up to maxReferrerPeers connected peers, in parallel, for
// the referrers of c, and returns every pair any of them gave.
func (f *fetcher) askReferrers(ctx context.Context, c cid.Cid) []lookup.Ref {
	peers := f.d.cairnPeers(lookup.ReferrersID)
	var (
		mu  sync.Mutex
		out []lookup.Ref
		wg  sync.WaitGroup
	)
	for _, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			refs, err := lookup.AskReferrers(ctx, f.d.host, p, c)
			if err != nil {
				f.d.log.Debug("referrers lookup failed", "peer", p, "err", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			out = append(out, refs...)
			if len(refs) > 0 {
				f.answered[p] = true
			}
		}()
	}
	wg.Wait()
	return out
}

// peers returns the peers that answered referrers lookups.
func (f *fetcher) peers() []string {
	out := []string{}
	for p := range f.answered {
		out = append(out, p.String())
	}
	slices.Sort(out)
	return out
}

// findProviders looks c up in the DHT and connects to its providers, so that
// bitswap can ask them too. It counts what it found for the timeout message.
func (d *Daemon) findProviders(ctx context.Context, c cid.Cid, found *atomic.Int64) {
	for ai := range d.dht.FindProvidersAsync(ctx, c, 8) {
		if ai.ID == d.host.ID() {
			continue
		}
		found.Add(1)
		if err := d.host.Connect(ctx, ai); err != nil {
			d.log.Debug("connect to provider", "peer", ai.ID, "err", err)
		}
	}
}

// countingBlockstore counts the blocks and bytes a fetch writes.
type countingBlockstore struct {
	bstore.Blockstore
	blocks, bytes atomic.Int64
}

func (c *countingBlockstore) Put(ctx context.Context, b blocks.Block) error {
	return c.PutMany(ctx, []blocks.Block{b})
}

func (c *countingBlockstore) PutMany(ctx context.Context, bs []blocks.Block) error {
	if err := c.Blockstore.PutMany(ctx, bs); err != nil {
		return err
	}
	for _, b := range bs {
		c.blocks.Add(1)
		c.bytes.Add(int64(len(b.RawData())))
	}
	return nil
}

// txSource lets sign.Verify see a fetch's transaction: its blocks are in the
// store already (journalled), its referrers not until Commit.
type txSource struct {
	s  *store.Store
	tx *store.Txn
}

func (t txSource) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	b, err := t.s.RawBlock(ctx, c)
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: %s", sign.ErrNotFound, c)
	}
	return b, err
}

func (t txSource) Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error) {
	refs, err := t.s.Referrers(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, r := range t.tx.PendingReferrers(c) {
		if !slices.ContainsFunc(refs, r.Equals) {
			refs = append(refs, r)
		}
	}
	return refs, nil
}

// fetchState is a fetch in progress, for GET /api/v1/fetches.
type fetchState struct {
	target string
	start  time.Time
	f      *fetcher
}

// FetchProgress describes a fetch in progress.
type FetchProgress struct {
	Target  string  `json:"target"`
	Blocks  int64   `json:"blocks"`
	Bytes   int64   `json:"bytes"`
	Total   int64   `json:"total"` // content bytes of the package; 0 until its node arrived
	Peers   int     `json:"peers"` // connected peers
	Seconds float64 `json:"seconds"`
}

// Fetches lists the fetches in progress.
func (d *Daemon) Fetches() []FetchProgress {
	out := []FetchProgress{}
	d.fetches.Range(func(_, v any) bool {
		s := v.(*fetchState)
		out = append(out, FetchProgress{
			Target: s.target, Blocks: s.f.counted.blocks.Load(), Bytes: s.f.counted.bytes.Load(),
			Total: s.f.total.Load(), Peers: len(d.host.Network().Peers()), Seconds: time.Since(s.start).Seconds(),
		})
		return true
	})
	return out
}

// cairnPeers returns up to maxReferrerPeers connected peers to ask on proto:
// first those known (from identify) to speak it, then those whose protocols
// are not known yet; never peers known not to speak it (on the public
// network most peers are IPFS nodes).
func (d *Daemon) cairnPeers(proto protocol.ID) []peer.ID {
	var known, unknown []peer.ID
	for _, p := range d.host.Network().Peers() {
		protos, err := d.host.Peerstore().GetProtocols(p)
		switch {
		case err != nil || len(protos) == 0:
			unknown = append(unknown, p)
		case slices.Contains(protos, proto):
			known = append(known, p)
		}
	}
	out := append(known, unknown...)
	if len(out) > maxReferrerPeers {
		out = out[:maxReferrerPeers]
	}
	return out
}

// Transport picks how a fetch gets a package's node and content.
type Transport string

const (
	// TransportAuto streams the whole DAG (/cairn/car/1.0.0) from a peer that
	// speaks it, and falls back to bitswap for whatever is still missing.
	TransportAuto Transport = "auto"
	// TransportStream uses /cairn/car/1.0.0 only; the fetch fails if no peer
	// can stream the whole DAG.
	TransportStream Transport = "stream"
	// TransportBitswap uses bitswap only (as before /cairn/car/1.0.0).
	TransportBitswap Transport = "bitswap"
)

// ErrBadTransport: a transport other than auto, stream or bitswap.
var ErrBadTransport = errors.New("unknown transport")

// ParseTransport parses "auto", "stream" or "bitswap"; "" is auto.
func ParseTransport(s string) (Transport, error) {
	switch t := Transport(s); t {
	case "":
		return TransportAuto, nil
	case TransportAuto, TransportStream, TransportBitswap:
		return t, nil
	}
	return "", fmt.Errorf("%w %q: expected auto, stream or bitswap", ErrBadTransport, s)
}

// FetchOption configures one fetch.
type FetchOption func(*fetchConfig)

type fetchConfig struct {
	transport Transport
}

// WithTransport picks the transport of a fetch (default TransportAuto).
func WithTransport(t Transport) FetchOption {
	return func(c *fetchConfig) { c.transport = t }
}

func newFetchConfig(opts []FetchOption) fetchConfig {
	cfg := fetchConfig{transport: TransportAuto}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.transport == "" {
		cfg.transport = TransportAuto
	}
	return cfg
}

// maxStreamPeers bounds the peers a fetch tries to stream a DAG from.
const maxStreamPeers = 4

// streamDAG gets the DAG below package c (its node and its layers' content)
// over /cairn/car/1.0.0, from the peers that speak it, connected ones first,
// resuming each time from what is already in the transaction. It reports
// whether the whole DAG is now here. With TransportAuto a failure is not an
// error: bitswap gets the rest; with TransportStream it is.
func (f *fetcher) streamDAG(ctx context.Context, c cid.Cid) (bool, error) {
	if f.transport == TransportBitswap {
		return false, nil
	}
	get := func(c cid.Cid) (blocks.Block, error) {
		b, err := f.counted.Get(ctx, c)
		if isNotFound(err) {
			return nil, ipld.ErrNotFound{Cid: c}
		}
		return b, err
	}
	var errs []error
	for _, p := range f.d.streamPeers() {
		roots, err := dagstream.Missing(ctx, []cid.Cid{c}, get)
		if err != nil {
			return false, err
		}
		if len(roots) == 0 {
			return true, nil
		}
		truncated := len(roots) > dagstream.MaxRoots
		if truncated {
			roots = roots[:dagstream.MaxRoots]
		}
		w := newBatchWriter(ctx, f.counted.PutMany)
		err = dagstream.Fetch(ctx, f.d.host, p, roots, w.Put, nil)
		if werr := w.Close(); werr != nil && err == nil {
			return false, werr // the store failed, not the peer
		}
		if err == nil {
			f.mu.Lock()
			f.answered[p] = true
			f.mu.Unlock()
			if !truncated {
				// Fetch returns nil only when its walk of every root ended
				// exactly: the DAG is whole, no need to read it back.
				return true, nil
			}
			continue // Missing finds the roots not asked for yet
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		f.d.log.Debug("fetch: DAG stream failed", "peer", p, "cid", c, "err", err)
		errs = append(errs, fmt.Errorf("peer %s: %w", p, err))
	}
	roots, err := dagstream.Missing(ctx, []cid.Cid{c}, get)
	if err != nil {
		return false, err
	}
	if len(roots) == 0 {
		return true, nil
	}
	if f.transport == TransportStream {
		return false, fmt.Errorf("%w: %d subtrees of %s missing after streaming from every peer that speaks %s: %w",
			ErrNotFound, len(roots), c, dagstream.ID, errors.Join(errs...))
	}
	return false, nil
}

// streamPeers returns up to maxStreamPeers peers that speak
// /cairn/car/1.0.0: the connected ones first, then others the peerstore knows.
func (d *Daemon) streamPeers() []peer.ID {
	var out []peer.ID
	connected := d.host.Network().Peers()
	add := func(ps []peer.ID) {
		for _, p := range ps {
			if len(out) == maxStreamPeers || p == d.host.ID() || slices.Contains(out, p) {
				continue
			}
			if protos, err := d.host.Peerstore().SupportsProtocols(p, dagstream.ID); err == nil && len(protos) > 0 {
				out = append(out, p)
			}
		}
	}
	add(connected)
	add(d.host.Peerstore().PeersWithAddrs())
	return out
}

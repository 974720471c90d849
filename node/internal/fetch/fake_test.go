package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipfs/boxo/exchange"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	libp2ptest "github.com/libp2p/go-libp2p/core/test"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/dagstream"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/fetch"
	"github.com/cairnpkg/cairn/node/internal/heads"
	"github.com/cairnpkg/cairn/node/internal/logsync"
	"github.com/cairnpkg/cairn/node/internal/lookup"
	"github.com/cairnpkg/cairn/node/internal/publish"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/store/storetest"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
)

// fakeNet is a fetch.Network without a network: its peers hold the blocks
// and referrers of an in-memory map, all the same ones, and answer names
// lookups with whatever they are told to claim.
type fakeNet struct {
	mu     sync.Mutex
	blocks map[cid.Cid]blocks.Block
	refs   map[cid.Cid][]cid.Cid // subject -> referrers
	peers  []peer.ID             // Peers: asked for names and referrers
	stream []peer.ID             // StreamPeers
	// claims is what each peer answers to a names lookup of a ref.
	claims map[peer.ID]map[dag.Ref][]cid.Cid
	// failAfter makes a peer's stream fail after handing this many blocks.
	failAfter map[peer.ID]int
	// noBitswap makes the exchange have nothing: it blocks until ctx ends,
	// as bitswap does when no peer has the block.
	noBitswap bool

	// logs are the stores whose publisher logs the peers hold and serve.
	logs []*store.Store
	// heads, when set, is what every head exchange answers, instead of
	// the heads of logs.
	heads []heads.Head
	// noLogRange makes the peers speak no /cairn/log/1.0.0.
	noLogRange bool
	ranges     atomic.Int64 // LogRange calls answered

	askNames  atomic.Int64
	streamed  []streamCall    // StreamDAG calls, in order
	sent      map[cid.Cid]int // blocks StreamDAG handed out, by count
	exchanged []cid.Cid       // blocks the exchange handed out
	stallOnce sync.Once
	stalledCh chan struct{} // closed when the exchange first blocks
}

// streamCall is one StreamDAG call: whom it asked for what.
type streamCall struct {
	peer  peer.ID
	roots []cid.Cid
}

var _ fetch.Network = (*fakeNet)(nil)

func newFakeNet() *fakeNet {
	return &fakeNet{
		blocks: map[cid.Cid]blocks.Block{}, refs: map[cid.Cid][]cid.Cid{},
		claims: map[peer.ID]map[dag.Ref][]cid.Cid{}, failAfter: map[peer.ID]int{}, sent: map[cid.Cid]int{},
		stalledCh: make(chan struct{}),
	}
}

// addPeer adds a peer that answers lookups and, if stream, streams DAGs.
func (n *fakeNet) addPeer(t *testing.T, stream bool) peer.ID {
	t.Helper()
	p := libp2ptest.RandPeerIDFatal(t)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.peers = append(n.peers, p)
	if stream {
		n.stream = append(n.stream, p)
	}
	return p
}

// claim makes p answer a names lookup of ref with cs.
func (n *fakeNet) claim(p peer.ID, ref dag.Ref, cs ...cid.Cid) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.claims[p] == nil {
		n.claims[p] = map[dag.Ref][]cid.Cid{}
	}
	n.claims[p][ref] = cs
}

// drop removes blocks from every peer.
func (n *fakeNet) drop(cs ...cid.Cid) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range cs {
		delete(n.blocks, c)
	}
}

func (n *fakeNet) block(c cid.Cid) (blocks.Block, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	b, ok := n.blocks[c]
	return b, ok
}

// stalled is closed once the exchange has been asked for a block it
// does not have.
func (n *fakeNet) stalled() <-chan struct{} { return n.stalledCh }

// sentTwice returns the blocks StreamDAG handed out more than once.
func (n *fakeNet) sentTwice() []cid.Cid {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []cid.Cid
	for c, k := range n.sent {
		if k > 1 {
			out = append(out, c)
		}
	}
	return out
}

// streamCalls returns the DAG streams asked for content: those with a root
// that is not DAG-CBOR.
func (n *fakeNet) streamCalls() []streamCall {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(n.streamed), nodesOnly)
}

// nodeStreamCalls returns the DAG streams asked for small nodes only (every
// root DAG-CBOR: signatures, metadata sets, log entries).
func (n *fakeNet) nodeStreamCalls() []streamCall {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(n.streamed), func(c streamCall) bool { return !nodesOnly(c) })
}

func nodesOnly(c streamCall) bool {
	return !slices.ContainsFunc(c.roots, func(r cid.Cid) bool { return r.Prefix().Codec != cid.DagCBOR })
}

func (n *fakeNet) exchangedBlocks() []cid.Cid {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.exchanged)
}

func (n *fakeNet) Peers(protocol.ID) []peer.ID {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.peers)
}

func (n *fakeNet) StreamPeers() []peer.ID {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.stream)
}

func (n *fakeNet) AskName(_ context.Context, p peer.ID, ref dag.Ref) ([]cid.Cid, error) {
	n.askNames.Add(1)
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.claims[p][ref]), nil
}

// AskReferrers answers as lookup.ServeReferrers does: the referrers of c
// and theirs, two levels deep.
func (n *fakeNet) AskReferrers(_ context.Context, _ peer.ID, c cid.Cid) ([]lookup.Ref, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []lookup.Ref
	level := []cid.Cid{c}
	for range 2 {
		var next []cid.Cid
		for _, s := range level {
			for _, r := range n.refs[s] {
				out = append(out, lookup.Ref{Subject: s, Referrer: r})
				next = append(next, r)
			}
		}
		level = next
	}
	return out, nil
}

// StreamDAG walks the DAGs under roots in dagstream's order and hands each
// block to put; it fails at a block it does not have, or after
// failAfter[p] blocks.
func (n *fakeNet) StreamDAG(ctx context.Context, p peer.ID, roots []cid.Cid, put func(blocks.Block) error) error {
	n.mu.Lock()
	n.streamed = append(n.streamed, streamCall{peer: p, roots: slices.Clone(roots)})
	limit, limited := n.failAfter[p]
	n.mu.Unlock()
	seen := map[cid.Cid]bool{}
	stack := slices.Clone(roots)
	slices.Reverse(stack)
	sent := 0
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[c] {
			continue
		}
		seen[c] = true
		if err := ctx.Err(); err != nil {
			return err
		}
		if limited && sent == limit {
			return fmt.Errorf("peer %s: stream reset after %d blocks", p, sent)
		}
		b, ok := n.block(c)
		if !ok {
			return fmt.Errorf("peer %s: no block %s", p, c)
		}
		if err := put(b); err != nil {
			return err
		}
		n.mu.Lock()
		n.sent[c]++
		n.mu.Unlock()
		sent++
		links, err := dagstream.Links(c, b.RawData())
		if err != nil {
			return err
		}
		for i := len(links) - 1; i >= 0; i-- {
			stack = append(stack, links[i])
		}
	}
	return nil
}

func (n *fakeNet) Exchange() exchange.Interface { return fakeExchange{n} }

func (n *fakeNet) FindProviders(context.Context, cid.Cid, *atomic.Int64) {}

// LogHeads answers as a head exchange does: the heads of every log the
// source stores hold.
func (n *fakeNet) LogHeads(ctx context.Context, _ peer.ID) ([]heads.Head, error) {
	n.mu.Lock()
	srcs, told := slices.Clone(n.logs), slices.Clone(n.heads)
	n.mu.Unlock()
	if told != nil {
		return told, nil
	}
	var out []heads.Head
	for _, src := range srcs {
		hs, err := logsync.HeadsOf(src)(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, hs...)
	}
	return out, nil
}

// LogRange answers from the first log store holding signer's log, with
// the blocks the peers serve (n.blocks, where a test may have damaged one).
func (n *fakeNet) LogRange(ctx context.Context, _ peer.ID, signer string, from, count uint64) (map[cid.Cid][]byte, error) {
	n.mu.Lock()
	srcs, no := slices.Clone(n.logs), n.noLogRange
	n.mu.Unlock()
	if no {
		return nil, errors.New("fake: no /cairn/log/1.0.0")
	}
	n.ranges.Add(1)
	got := map[cid.Cid][]byte{}
	for _, src := range srcs {
		for seq := from; seq >= 1 && from-seq < count; seq-- {
			c, err := src.LogEntry(ctx, signer, seq)
			if err != nil {
				break
			}
			data, err := src.Block(ctx, c)
			if b, ok := n.block(c); ok {
				data, err = b.RawData(), nil
			}
			if err != nil || dag.CheckBlock(c, data) != nil {
				return got, errors.New("fake: entry unreadable") // as FetchLog: what came before is good
			}
			got[c] = data
		}
		if len(got) > 0 {
			break
		}
	}
	return got, nil
}

func (n *fakeNet) Connected() int { return len(n.Peers("")) }

// fakeExchange is bitswap over the fakeNet's blocks: it hands out those it
// has and, for those it does not, blocks until ctx ends, as bitswap does
// when nobody has them.
type fakeExchange struct{ n *fakeNet }

func (x fakeExchange) GetBlock(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	if !x.n.noBitswap {
		if b, ok := x.n.block(c); ok {
			x.n.mu.Lock()
			x.n.exchanged = append(x.n.exchanged, c)
			x.n.mu.Unlock()
			return b, nil
		}
	}
	x.n.stallOnce.Do(func() { close(x.n.stalledCh) })
	<-ctx.Done()
	return nil, ctx.Err()
}

func (x fakeExchange) GetBlocks(ctx context.Context, cs []cid.Cid) (<-chan blocks.Block, error) {
	out := make(chan blocks.Block)
	go func() {
		defer close(out)
		for _, c := range cs {
			b, err := x.GetBlock(ctx, c)
			if err != nil {
				return
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func (fakeExchange) NotifyNewBlocks(context.Context, ...blocks.Block) error { return nil }

func (fakeExchange) Close() error { return nil }

// nodes returns the blocks its verdict reads: all of info's but its content.
func (info pkgInfo) nodes() []cid.Cid {
	var cs []cid.Cid
	for _, c := range info.Blocks {
		if !slices.ContainsFunc(info.Below, c.Equals) {
			cs = append(cs, c)
		}
	}
	return cs
}

// pkgInfo is a package the fake peers hold.
type pkgInfo struct {
	CID     cid.Cid
	Ref     dag.Ref
	Meta    cid.Cid
	Sig     cid.Cid
	Content []cid.Cid // the layers' roots
	DAG     []cid.Cid // the package node and every block below it
	Below   []cid.Cid // every block below the package node: its content
	Log     []cid.Cid // the signer's log entries, up to the one naming it
	Blocks  []cid.Cid // DAG, the metadata set, its signature, the signer's log
	Bytes   int64     // of Blocks
	Size    int64     // content bytes, as the package's layers say
}

// fixture is a destination repo fetching from a fakeNet, whose packages are
// published by a key the destination's policy trusts for acme/* (or by a
// stranger).
type fixture struct {
	t        *testing.T
	key      *sign.Key // trusted for acme/*
	stranger *sign.Key // in no rule
	sources  map[string]*store.Store
	net      *fakeNet
	dst      *store.Store
	rec      *events.Recorder
	f        *fetch.Fetcher
	// resolve, if set, replaces the repo's resolution of names.
	resolve func(ctx context.Context, ref dag.Ref) (cid.Cid, error)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	fx := &fixture{
		t: t, key: signtest.Key(t, 1), stranger: signtest.Key(t, 2), sources: map[string]*store.Store{},
		net: newFakeNet(), dst: storetest.New(t), rec: &events.Recorder{},
	}
	fx.configure()
	return fx
}

// configure makes fx.f a Fetcher over the fixture, with edit's changes to
// its Config.
func (fx *fixture) configure(edit ...func(*fetch.Config)) {
	cfg := fetch.Config{
		Store: fx.dst, Net: fx.net, Policy: fx.policy, Events: fx.rec,
		Resolve: func(ctx context.Context, ref dag.Ref) (cid.Cid, error) {
			if fx.resolve != nil {
				return fx.resolve(ctx, ref)
			}
			pol, err := fx.policy()
			if err != nil {
				return cid.Undef, err
			}
			return trust.ResolveRef(ctx, fx.dst, pol, ref)
		},
	}
	for _, e := range edit {
		e(&cfg)
	}
	fx.f = fetch.New(cfg)
}

// policy trusts fx.key for acme/*.
func (fx *fixture) policy() (*sign.Policy, error) {
	return &sign.Policy{Version: sign.PolicyVersion, Rules: []sign.Rule{
		{Pattern: "acme/*", Keys: []string{fx.key.DID()}, Threshold: 1},
	}}, nil
}

// publish publishes target (NAME@VERSION), a directory of three small
// files, with key into that key's source store, and gives the fake peers
// its DAG, metadata set and signature.
func (fx *fixture) publish(key *sign.Key, target string) pkgInfo {
	fx.t.Helper()
	files := map[string][]byte{}
	for _, name := range []string{"a.txt", "b.txt", "c.txt"} {
		files[name] = fmt.Appendf(nil, "%s of %s by %s\n", name, target, key.DID())
	}
	return fx.publishFiles(key, target, files)
}

// publishFiles is publish of a directory holding files.
func (fx *fixture) publishFiles(key *sign.Key, target string, files map[string][]byte) pkgInfo {
	t := fx.t
	t.Helper()
	ctx := context.Background()
	ref, err := dag.ParseRef(target)
	if err != nil {
		t.Fatal(err)
	}
	src := fx.sources[key.DID()]
	if src == nil {
		src = storetest.New(t)
		fx.sources[key.DID()] = src
		fx.net.mu.Lock()
		fx.net.logs = append(fx.net.logs, src)
		fx.net.mu.Unlock()
	}
	dir := filepath.Join(t.TempDir(), "app")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := publish.New(publish.Config{
		Store: src, Key: func(string) (*sign.Key, error) { return key, nil },
		Policy: fx.policy, UpdatePolicy: func(func(*sign.Policy) error) error { return errors.New("read-only policy") },
	})
	res, err := p.Publish(ctx, publish.Request{Paths: []string{dir}, Name: ref.Name, Version: ref.Version})
	if err != nil {
		t.Fatalf("publish %s: %v", target, err)
	}
	info := pkgInfo{CID: res.Package, Ref: ref, Meta: res.Metadata, Sig: res.Signature}
	for _, l := range res.Layers {
		info.Size += int64(l.Size)
	}

	bs := src.Blockstore()
	get := func(c cid.Cid) blocks.Block {
		t.Helper()
		b, err := bs.Get(ctx, c)
		if err != nil {
			t.Fatalf("source block %s: %v", c, err)
		}
		return b
	}
	fx.net.mu.Lock()
	defer fx.net.mu.Unlock()
	add := func(b blocks.Block) {
		info.Blocks = append(info.Blocks, b.Cid())
		info.Bytes += int64(len(b.RawData()))
		fx.net.blocks[b.Cid()] = b
	}
	stack := []cid.Cid{res.Package}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if slices.ContainsFunc(info.DAG, c.Equals) {
			continue
		}
		b := get(c)
		info.DAG = append(info.DAG, c)
		add(b)
		links, err := dagstream.Links(c, b.RawData())
		if err != nil {
			t.Fatal(err)
		}
		if c.Equals(res.Package) {
			info.Content = links
		}
		for i := len(links) - 1; i >= 0; i-- { // DAG in dagstream's walk order
			stack = append(stack, links[i])
		}
	}
	add(get(res.Metadata))
	add(get(res.Signature))
	// The publisher's log, which verification requires (require_log): its
	// entries are served like any block, outside the package's closure.
	for seq := uint64(1); seq <= res.Log.Seq; seq++ {
		c, err := src.LogEntry(ctx, key.DID(), seq)
		if err != nil {
			t.Fatal(err)
		}
		add(get(c))
		info.Log = append(info.Log, c)
	}
	info.Below = info.DAG[1:]
	fx.net.refs[res.Package] = append(fx.net.refs[res.Package], res.Metadata)
	fx.net.refs[res.Metadata] = append(fx.net.refs[res.Metadata], res.Signature)
	return info
}

// within runs fn and fails the test if it does not return within d.
func within[T any](t *testing.T, d time.Duration, fn func() (T, error)) (T, time.Duration, error) {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	start := time.Now()
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, time.Since(start), r.err
	case <-time.After(d):
		t.Fatalf("still running after %s", d)
		panic("unreachable")
	}
}

// stat returns the destination store's counts.
func (fx *fixture) stat() store.Stat {
	fx.t.Helper()
	st, err := fx.dst.Stat(context.Background())
	if err != nil {
		fx.t.Fatal(err)
	}
	return st
}

// checkKept fails unless every block of info is in the destination, the
// package, its content, metadata set and signature are pinned, and its
// name resolves to it.
func (fx *fixture) checkKept(info pkgInfo) {
	t := fx.t
	t.Helper()
	ctx := context.Background()
	for _, c := range info.Blocks {
		if ok, err := fx.dst.Has(ctx, c); err != nil || !ok {
			t.Errorf("block %s not in the destination (%v)", c, err)
		}
	}
	for _, c := range append([]cid.Cid{info.CID, info.Meta, info.Sig}, info.Content...) {
		if ok, err := fx.dst.IsPinned(ctx, c); err != nil || !ok {
			t.Errorf("%s not pinned (%v)", c, err)
		}
	}
	if got, err := fx.dst.Lookup(ctx, info.Ref); err != nil || !got.Equals(info.CID) {
		t.Errorf("Lookup(%s) = %s, %v; want %s", info.Ref, got, err, info.CID)
	}
	refs, err := fx.dst.Referrers(ctx, info.CID)
	if err != nil || !slices.ContainsFunc(refs, info.Meta.Equals) {
		t.Errorf("Referrers(%s) = %v, %v; want %s among them", info.CID, refs, err, info.Meta)
	}
}

// checkNotKept fails if any block of info is in the destination.
// checkNotKept fails if the destination holds a block of info's package
// (its log entries, the publisher's log, may be held for another package).
func (fx *fixture) checkNotKept(info pkgInfo) {
	t := fx.t
	t.Helper()
	for _, c := range info.Blocks {
		if slices.ContainsFunc(info.Log, c.Equals) {
			continue
		}
		if ok, err := fx.dst.Has(context.Background(), c); err != nil || ok {
			t.Errorf("block %s of %s kept (%v)", c, info.Ref, err)
		}
	}
}

func (fx *fixture) published() []cid.Cid {
	var out []cid.Cid
	for _, e := range fx.rec.Events() {
		if p, ok := e.(events.Published); ok {
			out = append(out, p.Root)
		}
	}
	return out
}

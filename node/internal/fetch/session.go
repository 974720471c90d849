package fetch

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/ipld/merkledag"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/dagstream"
	"github.com/cairnpkg/cairn/node/internal/lookup"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// nodeTimeout bounds the fetch of the small nodes a package's verdict needs
// (its node, metadata sets, signatures, log entries), all asked for at once:
// what a peer names but nobody serves in that time is passed over.
const nodeTimeout = 15 * time.Second

// session is one fetch's state: its Txn, where its blocks come from, and
// what it has done.
type session struct {
	f         *Fetcher
	tx        *store.Txn
	pol       *sign.Policy
	transport Transport
	counted   *countingBlockstore
	bsvc      blockservice.BlockService
	dags      ipld.DAGService
	start     time.Time
	providers atomic.Int64 // found in the DHT
	dropped   atomic.Int64 // metadata sets not kept: nothing vouches for them

	total atomic.Int64 // content bytes of the package, once its node is here
	space space        // what storage_max leaves it

	mu       sync.Mutex
	done     map[cid.Cid]bool // packages taken in (or being taken in)
	pkgs     []*dag.Package   // packages taken in, the root first: their content comes last
	answered map[peer.ID]bool // peers that answered a lookup or streamed
	caught   map[string]bool  // signers whose logs this fetch caught up
	uncaught []string         // why a signer's log could not be caught up
	far      []farLog         // logs too far ahead to catch up here
	retry    atomic.Bool      // the fetch starts again once they are caught up
}

func newSession(f *Fetcher, tx *store.Txn, pol *sign.Policy, t Transport) *session {
	s := &session{f: f, tx: tx, pol: pol, transport: t, start: time.Now(),
		counted: &countingBlockstore{Blockstore: tx.Blockstore()},
		done:    map[cid.Cid]bool{}, answered: map[peer.ID]bool{}, caught: map[string]bool{}}
	s.bsvc = blockservice.New(s.counted, f.cfg.Net.Exchange(), blockservice.WithAllowlist(dag.HashAllowlist()))
	s.dags = merkledag.NewDAGService(s.bsvc)
	return s
}

// nodes takes in what the verdict on package c reads, and none of its
// content: its node, the metadata sets a key of the policy vouches for with
// their signatures, the logs of their signers, and (up to
// sign.MaxProvenanceDepth) the same for the packages its trusted metadata
// sets name as inputs.
func (s *session) nodes(ctx context.Context, c cid.Cid, depth int) (*dag.Package, error) {
	s.mu.Lock()
	seen := s.done[c]
	s.done[c] = true
	s.mu.Unlock()
	if seen {
		return nil, nil
	}
	if err := dag.CheckNodeLink("package", c); err != nil {
		return nil, err
	}
	got, err := s.small(ctx, []cid.Cid{c}, false)
	if err != nil {
		return nil, err
	}
	data, ok := got[c]
	if !ok {
		return nil, fmt.Errorf("%w: no peer served package %s within %s", store.ErrNotFound, c, nodeTimeout)
	}
	pkg, err := dag.DecodePackage(data)
	if err != nil {
		return nil, fmt.Errorf("%s is not a package: %w", c, err)
	}
	if err := s.tx.PutNode(ctx, c, data); err != nil {
		return nil, err
	}
	if depth == 0 {
		var total uint64
		for _, l := range pkg.Layers {
			total += l.Size
		}
		s.total.Store(int64(total))
	}
	s.mu.Lock()
	s.pkgs = append(s.pkgs, pkg)
	s.mu.Unlock()
	s.tx.Pin(c, store.PinPackage)
	s.tx.SetVersion(pkg.Ref(), c) // committed only if the whole chain verifies
	if err := s.referrersRetried(ctx, c, pkg.Name); err != nil {
		return nil, err
	}
	if depth >= sign.MaxProvenanceDepth {
		return pkg, nil
	}
	inputs, err := trust.TrustedInputs(ctx, trust.TxSource{Store: s.f.cfg.Store, Tx: s.tx}, s.pol, c)
	if err != nil {
		return nil, err
	}
	for _, in := range inputs {
		if _, err := s.nodes(ctx, in, depth+1); err != nil {
			return nil, fmt.Errorf("input %s of %s: %w", in, pkg.Ref(), err)
		}
	}
	return pkg, nil
}

// referrersRetry is the first wait before the referrers of a package are
// asked again when no metadata set was kept, doubling up to
// referrersRetryMax: a node hears of a release by gossip relayed through
// neighbours that are fetching it at the same moment, and that have its
// metadata sets to tell of a few milliseconds later. About 1.5 s in all
// before a fetch concludes that nothing vouches for the package.
const (
	referrersRetry    = 50 * time.Millisecond
	referrersRetryMax = 800 * time.Millisecond
)

// referrersRetried runs referrers until a metadata set is kept, or the
// retries are spent (the verdict then says why nothing vouches).
func (s *session) referrersRetried(ctx context.Context, c cid.Cid, name dag.Name) error {
	dropped := s.dropped.Load()
	for wait := referrersRetry; ; wait *= 2 {
		found, err := s.referrers(ctx, c, name)
		if err != nil || found || wait > referrersRetryMax {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		s.dropped.Store(dropped) // the sets offered are counted once, by the last attempt
	}
}

// referrers asks connected peers for the metadata sets of package c (named
// name) and their signatures, and keeps the sets that a signature by a key
// the policy names for name vouches for (trust.Vouches), with their
// signatures that verify; the signatures are fetched first, so a set no
// such signature vouches for is never fetched. The others are anyone's:
// counted in the result, not kept. The logs of the keys that vouch are
// caught up, for the verdict's log-inclusion check. found reports whether a
// metadata set was kept.
func (s *session) referrers(ctx context.Context, c cid.Cid, name dag.Name) (found bool, _ error) {
	answers := s.askReferrers(ctx, c)
	metaOK := map[cid.Cid]bool{}
	for _, refs := range answers {
		for _, p := range refs {
			if p.Subject.Equals(c) && dag.CheckNodeLink("metadata", p.Referrer) == nil {
				metaOK[p.Referrer] = true
			}
		}
	}
	// The signatures to read, at most maxReferrerSigs, taken from the
	// peers' answers in turn, so that peers offering thousands cannot crowd
	// out the few an honest peer has.
	var (
		metas  []cid.Cid
		sigs   []cid.Cid
		sigsOf = map[cid.Cid][]cid.Cid{}
		seen   = map[cid.Cid]bool{}
	)
	next := make([]int, len(answers)) // each peer's next pair to look at
	for more := true; more && len(sigs) < maxReferrerSigs; {
		more = false
		for j, refs := range answers {
			for next[j] < len(refs) && len(sigs) < maxReferrerSigs {
				p := refs[next[j]]
				next[j]++
				if !metaOK[p.Subject] || dag.CheckNodeLink("signature", p.Referrer) != nil || seen[p.Referrer] {
					continue
				}
				seen[p.Referrer] = true
				if len(sigsOf[p.Subject]) == 0 {
					metas = append(metas, p.Subject)
				}
				sigsOf[p.Subject] = append(sigsOf[p.Subject], p.Referrer)
				sigs = append(sigs, p.Referrer)
				more = true
				break // one signature of this peer per round
			}
		}
	}
	for m := range metaOK {
		if len(sigsOf[m]) == 0 {
			s.dropped.Add(1) // unsigned, or its signatures not read: nothing vouches for it
		}
	}
	sigData, err := s.small(ctx, sigs, true)
	if err != nil {
		return false, err
	}
	type signed struct {
		cid cid.Cid
		sig *dag.Signature
	}
	kept := map[cid.Cid][]signed{}
	var vouched []cid.Cid
	for _, m := range metas {
		ok := false
		for _, sc := range sigsOf[m] {
			data, held := sigData[sc]
			if !held {
				continue
			}
			sig, err := dag.DecodeSignature(data)
			if err != nil || !sig.Subject.Equals(m) || sign.VerifySignature(sig) != nil {
				continue
			}
			kept[m] = append(kept[m], signed{sc, sig})
			ok = ok || trust.Vouches(s.pol, name, m, sig)
		}
		if ok {
			vouched = append(vouched, m)
		} else {
			s.dropped.Add(1)
		}
	}
	metaData, err := s.small(ctx, vouched, true)
	if err != nil {
		return false, err
	}
	rule := s.pol.RuleFor(name)
	for _, m := range vouched {
		data, held := metaData[m]
		if !held {
			continue
		}
		ms, err := dag.DecodeMetadataSet(data)
		if err != nil || !ms.Subject.Equals(c) {
			s.f.cfg.Log.Debug("fetch: dropped a referrer that is not a metadata set of the package", "cid", m, "err", err)
			s.dropped.Add(1)
			continue
		}
		if err := s.tx.PutNode(ctx, m, data); err != nil {
			return false, err
		}
		s.tx.AddReferrer(c, m, dag.NodeMetadata)
		s.tx.Pin(m, store.PinMetadata)
		found = true
		for _, sg := range kept[m] {
			if err := s.tx.PutNode(ctx, sg.cid, sigData[sg.cid]); err != nil {
				return false, err
			}
			s.tx.AddReferrer(m, sg.cid, dag.NodeSignature)
			s.tx.Pin(sg.cid, store.PinSignature)
			if rule != nil && rule.LogRequired() && slices.Contains(rule.Keys, sg.sig.Signer) {
				if err := s.logOf(ctx, sg.sig.Signer, c, sg.cid); err != nil {
					return false, err
				}
			}
		}
	}
	return found, nil
}

// small gets the blocks cs (small nodes) at once: those the repo holds from
// it, the others from peers, within nodeTimeout, counted as received: over
// /cairn/car/1.0.0 from the peers that answered a lookup (one round trip)
// if stream is set, then over bitswap. Each is checked against its CID;
// none is stored (the caller stores what it keeps). What does not come in
// time is missing from the result, not an error; the end of ctx is.
//
// stream is not set for a package's own node: /cairn/car/1.0.0 sends a
// package's content below it, which is not fetched before the verdict.
func (s *session) small(ctx context.Context, cs []cid.Cid, stream bool) (map[cid.Cid][]byte, error) {
	out := map[cid.Cid][]byte{}
	var need []cid.Cid
	for _, c := range cs {
		if data, err := s.f.cfg.Store.Block(ctx, c); err == nil {
			out[c] = data
		} else if !slices.ContainsFunc(need, c.Equals) {
			need = append(need, c)
		}
	}
	if stream {
		need = s.streamNodes(ctx, need, out)
	}
	if len(need) == 0 {
		return out, nil
	}
	nctx, cancel := context.WithTimeout(ctx, nodeTimeout)
	defer cancel()
	ch, err := s.f.cfg.Net.Exchange().GetBlocks(nctx, need)
	if err != nil {
		return nil, err
	}
	for b := range ch {
		s.counted.blocks.Add(1) // received, as every block a fetch gets
		s.counted.bytes.Add(int64(len(b.RawData())))
		if dag.CheckBlock(b.Cid(), b.RawData()) != nil {
			continue
		}
		out[b.Cid()] = b.RawData()
		if len(out) == len(cs) {
			cancel()
		}
	}
	return out, ctx.Err()
}

// streamNodesTimeout bounds one peer's answer to a request for small nodes
// over /cairn/car/1.0.0; bitswap gets what is still missing after it.
const streamNodesTimeout = 2 * time.Second

// streamNodes asks the peers that answered this fetch's lookups, in turn
// (at most two), for the blocks need over /cairn/car/1.0.0, adds those
// that arrive (checked against their CIDs) to out, and returns the ones
// still missing.
func (s *session) streamNodes(ctx context.Context, need []cid.Cid, out map[cid.Cid][]byte) []cid.Cid {
	if s.transport == TransportBitswap {
		return need
	}
	peers := s.f.cfg.Net.StreamPeers()
	s.mu.Lock()
	peers = slices.DeleteFunc(peers, func(p peer.ID) bool { return !s.answered[p] })
	s.mu.Unlock()
	for _, p := range peers[:min(len(peers), 2)] {
		if len(need) == 0 {
			break
		}
		sctx, cancel := context.WithTimeout(ctx, streamNodesTimeout)
		got, err := dagstream.FetchNodes(sctx, need, func(ctx context.Context, roots []cid.Cid, put func(blocks.Block) error) error {
			return s.f.cfg.Net.StreamDAG(ctx, p, roots, put)
		})
		cancel()
		if err != nil {
			s.f.cfg.Log.Debug("fetch: nodes over the DAG stream", "peer", p, "asked", len(need), "got", len(got), "err", err)
		}
		for c, data := range got {
			s.counted.blocks.Add(1)
			s.counted.bytes.Add(int64(len(data)))
			out[c] = data
		}
		need = slices.DeleteFunc(need, func(c cid.Cid) bool { _, ok := got[c]; return ok })
	}
	return need
}

// maxReferrerSigs bounds the signatures one package's fetch reads.
const maxReferrerSigs = 1024

// askReferrers asks the peers Network.Peers names, in parallel, for the
// referrers of c, and returns each peer's answer.
func (s *session) askReferrers(ctx context.Context, c cid.Cid) [][]lookup.Ref {
	var (
		out [][]lookup.Ref
		wg  sync.WaitGroup
	)
	for _, p := range s.f.cfg.Net.Peers(lookup.ReferrersID) {
		wg.Go(func() {
			refs, err := s.f.cfg.Net.AskReferrers(ctx, p, c)
			if err != nil {
				s.f.cfg.Log.Debug("referrers lookup failed", "peer", p, "err", err)
				return
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			out = append(out, refs)
			if len(refs) > 0 {
				s.answered[p] = true
			}
		})
	}
	wg.Wait()
	return out
}

// peers returns the peers that answered lookups or streamed.
func (s *session) peers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for p := range s.answered {
		out = append(out, p.String())
	}
	slices.Sort(out)
	return out
}

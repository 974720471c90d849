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
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/lookup"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

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

	total atomic.Int64 // content bytes of the package, once its node is here

	mu       sync.Mutex
	done     map[cid.Cid]bool // packages fetched (or being fetched) by this fetch
	answered map[peer.ID]bool // peers that answered a lookup or streamed
}

func newSession(f *Fetcher, tx *store.Txn, pol *sign.Policy, t Transport) *session {
	s := &session{f: f, tx: tx, pol: pol, transport: t, start: time.Now(),
		counted: &countingBlockstore{Blockstore: tx.Blockstore()}, done: map[cid.Cid]bool{}, answered: map[peer.ID]bool{}}
	s.bsvc = blockservice.New(s.counted, f.cfg.Net.Exchange(), blockservice.WithAllowlist(dag.HashAllowlist()))
	s.dags = merkledag.NewDAGService(s.bsvc)
	return s
}

// fetchPackage fetches package c's node, content and referrers, and (up to
// sign.MaxProvenanceDepth) the packages its trusted metadata sets name as
// inputs.
func (s *session) fetchPackage(ctx context.Context, c cid.Cid, depth int) (*dag.Package, error) {
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
	whole, err := s.streamDAG(ctx, c)
	if err != nil {
		return nil, err
	}
	blk, err := s.bsvc.GetBlock(ctx, c)
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
		s.total.Store(int64(total))
	}
	for _, l := range pkg.Layers {
		if whole {
			// every block below the package arrived over the stream, checked
		} else if err := merkledag.FetchGraph(ctx, l.Content, s.dags); err != nil {
			return nil, fmt.Errorf("layer %q (%s): %w", l.Name, l.Content, err)
		}
		s.tx.Pin(l.Content, store.PinContent)
	}
	s.tx.Pin(c, store.PinPackage)
	s.tx.SetVersion(pkg.Ref(), c) // committed only if the whole chain verifies
	metas, err := s.fetchReferrers(ctx, c)
	if err != nil {
		return nil, err
	}
	if depth < sign.MaxProvenanceDepth && len(metas) > 0 {
		inputs, err := trust.TrustedInputs(ctx, trust.TxSource{Store: s.f.cfg.Store, Tx: s.tx}, s.pol, c)
		if err != nil {
			return nil, err
		}
		for _, in := range inputs {
			if _, err := s.fetchPackage(ctx, in, depth+1); err != nil {
				return nil, fmt.Errorf("input %s of %s: %w", in, pkg.Ref(), err)
			}
		}
	}
	return pkg, nil
}

// fetchReferrers asks connected peers for the metadata sets of package c and
// their signatures, fetches them, and keeps those that name what they claim
// to. A peer's junk (a referrer naming another subject, bytes that are not a
// metadata set) is dropped, not trusted: signatures decide what counts.
func (s *session) fetchReferrers(ctx context.Context, c cid.Cid) ([]*dag.MetadataSet, error) {
	pairs := s.askReferrers(ctx, c)
	var metas []*dag.MetadataSet
	metaCIDs := map[cid.Cid]bool{}
	for _, p := range pairs {
		if !p.Subject.Equals(c) || metaCIDs[p.Referrer] || dag.CheckNodeLink("metadata", p.Referrer) != nil {
			continue
		}
		blk, err := s.bsvc.GetBlock(ctx, p.Referrer)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.f.cfg.Log.Debug("fetch: metadata set unavailable", "cid", p.Referrer, "err", err)
			continue
		}
		m, err := dag.DecodeMetadataSet(blk.RawData())
		if err != nil || !m.Subject.Equals(c) {
			s.f.cfg.Log.Debug("fetch: dropped a referrer that is not a metadata set of the package", "cid", p.Referrer, "err", err)
			continue
		}
		metaCIDs[p.Referrer] = true
		metas = append(metas, m)
		s.tx.AddReferrer(c, p.Referrer, dag.NodeMetadata)
		s.tx.Pin(p.Referrer, store.PinMetadata)
	}
	seenSig := map[cid.Cid]bool{}
	for _, p := range pairs {
		if !metaCIDs[p.Subject] || seenSig[p.Referrer] || dag.CheckNodeLink("signature", p.Referrer) != nil {
			continue
		}
		seenSig[p.Referrer] = true
		blk, err := s.bsvc.GetBlock(ctx, p.Referrer)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		sig, err := dag.DecodeSignature(blk.RawData())
		if err != nil || !sig.Subject.Equals(p.Subject) {
			continue
		}
		s.tx.AddReferrer(p.Subject, p.Referrer, dag.NodeSignature)
		s.tx.Pin(p.Referrer, store.PinSignature)
	}
	return metas, nil
}

// askReferrers asks the peers Network.Peers names, in parallel, for the
// referrers of c, and returns every pair any of them gave.
func (s *session) askReferrers(ctx context.Context, c cid.Cid) []lookup.Ref {
	var (
		mu  sync.Mutex
		out []lookup.Ref
		wg  sync.WaitGroup
	)
	for _, p := range s.f.cfg.Net.Peers(lookup.ReferrersID) {
		wg.Go(func() {
			refs, err := s.f.cfg.Net.AskReferrers(ctx, p, c)
			if err != nil {
				s.f.cfg.Log.Debug("referrers lookup failed", "peer", p, "err", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			out = append(out, refs...)
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

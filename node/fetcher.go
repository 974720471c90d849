package node

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/lookup"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

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

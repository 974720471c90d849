package fetch

import (
	"context"
	"log/slog"
	"slices"
	"sync/atomic"

	"github.com/ipfs/boxo/exchange"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/core/routing"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/dagstream"
	"github.com/cairnpkg/cairn/node/internal/heads"
	"github.com/cairnpkg/cairn/node/internal/lookup"
)

// Network is what a fetch asks of the peer-to-peer network.
type Network interface {
	// Peers returns connected peers to ask on proto, those known to speak
	// it first (at most maxAskPeers).
	Peers(proto protocol.ID) []peer.ID
	// StreamPeers returns peers that speak /cairn/car/1.0.0, connected ones
	// first (at most maxStreamPeers).
	StreamPeers() []peer.ID
	// AskName asks p which packages it knows as ref (/cairn/names/1.0.0).
	AskName(ctx context.Context, p peer.ID, ref dag.Ref) ([]cid.Cid, error)
	// AskReferrers asks p for the referrers of c (/cairn/referrers/1.0.0).
	AskReferrers(ctx context.Context, p peer.ID, c cid.Cid) ([]lookup.Ref, error)
	// StreamDAG streams the DAGs under roots from p (/cairn/car/1.0.0),
	// handing put each block checked against the CID the walk expects.
	StreamDAG(ctx context.Context, p peer.ID, roots []cid.Cid, put func(blocks.Block) error) error
	// Exchange gets single blocks from any peer (bitswap).
	Exchange() exchange.Interface
	// LogHeads exchanges publisher-log heads with p (/cairn/heads/1.0.0)
	// and returns p's.
	LogHeads(ctx context.Context, p peer.ID) ([]heads.Head, error)
	// LogRange gets entries from, from-1, ... of signer's log from p, at
	// most count (/cairn/log/1.0.0), each checked against its CID only.
	LogRange(ctx context.Context, p peer.ID, signer string, from, count uint64) (map[cid.Cid][]byte, error)
	// FindProviders looks c up in the DHT and connects to its providers,
	// counting them in found, until ctx ends.
	FindProviders(ctx context.Context, c cid.Cid, found *atomic.Int64)
	// Connected counts the connected peers.
	Connected() int
}

// How many peers a fetch asks at once.
const (
	maxAskPeers    = 16 // referrers and names lookups
	maxStreamPeers = 4  // whole-DAG streams, one after the other
)

// Libp2p is the Network of a daemon: its host, its DHT and bitswap.
type Libp2p struct {
	Host    host.Host
	Routing routing.ContentRouting
	Bitswap exchange.Interface
	// Heads are the repo's own log heads, told to peers in head exchanges.
	Heads heads.Source
	Log   *slog.Logger
}

var _ Network = Libp2p{}

// Peers returns up to maxAskPeers connected peers to ask on proto: first
// those known (from identify) to speak it, then those whose protocols are
// not known yet; never peers known not to speak it (on the public network
// most peers are IPFS nodes).
func (n Libp2p) Peers(proto protocol.ID) []peer.ID {
	var known, unknown []peer.ID
	for _, p := range n.Host.Network().Peers() {
		protos, err := n.Host.Peerstore().GetProtocols(p)
		switch {
		case err != nil || len(protos) == 0:
			unknown = append(unknown, p)
		case slices.Contains(protos, proto):
			known = append(known, p)
		}
	}
	out := append(known, unknown...)
	if len(out) > maxAskPeers {
		out = out[:maxAskPeers]
	}
	return out
}

// StreamPeers returns up to maxStreamPeers peers that speak
// /cairn/car/1.0.0: the connected ones first, then others the peerstore
// knows.
func (n Libp2p) StreamPeers() []peer.ID {
	var out []peer.ID
	add := func(ps []peer.ID) {
		for _, p := range ps {
			if len(out) == maxStreamPeers || p == n.Host.ID() || slices.Contains(out, p) {
				continue
			}
			if protos, err := n.Host.Peerstore().SupportsProtocols(p, dagstream.ID); err == nil && len(protos) > 0 {
				out = append(out, p)
			}
		}
	}
	add(n.Host.Network().Peers())
	add(n.Host.Peerstore().PeersWithAddrs())
	return out
}

// AskName asks p over /cairn/names/1.0.0.
func (n Libp2p) AskName(ctx context.Context, p peer.ID, ref dag.Ref) ([]cid.Cid, error) {
	return lookup.AskName(ctx, n.Host, p, ref)
}

// AskReferrers asks p over /cairn/referrers/1.0.0.
func (n Libp2p) AskReferrers(ctx context.Context, p peer.ID, c cid.Cid) ([]lookup.Ref, error) {
	return lookup.AskReferrers(ctx, n.Host, p, c)
}

// StreamDAG fetches over /cairn/car/1.0.0.
func (n Libp2p) StreamDAG(ctx context.Context, p peer.ID, roots []cid.Cid, put func(blocks.Block) error) error {
	return dagstream.Fetch(ctx, n.Host, p, roots, put, nil)
}

// Exchange returns bitswap.
func (n Libp2p) Exchange() exchange.Interface { return n.Bitswap }

// FindProviders asks the DHT for up to 8 providers of c and connects to
// them, so that bitswap can ask them too.
func (n Libp2p) FindProviders(ctx context.Context, c cid.Cid, found *atomic.Int64) {
	if n.Routing == nil {
		return
	}
	for ai := range n.Routing.FindProvidersAsync(ctx, c, 8) {
		if ai.ID == n.Host.ID() {
			continue
		}
		found.Add(1)
		if err := n.Host.Connect(ctx, ai); err != nil && n.Log != nil {
			n.Log.Debug("connect to provider", "peer", ai.ID, "err", err)
		}
	}
}

// LogHeads exchanges heads with p.
func (n Libp2p) LogHeads(ctx context.Context, p peer.ID) ([]heads.Head, error) {
	return heads.Exchange(ctx, n.Host, p, n.Heads, nil)
}

// LogRange gets a run of signer's log entries from p.
func (n Libp2p) LogRange(ctx context.Context, p peer.ID, signer string, from, count uint64) (map[cid.Cid][]byte, error) {
	return dagstream.LogRange(ctx, n.Host, p, signer, from, count)
}

// Connected counts the host's connected peers.
func (n Libp2p) Connected() int { return len(n.Host.Network().Peers()) }

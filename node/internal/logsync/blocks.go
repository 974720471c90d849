package logsync

import (
	"context"
	"log/slog"
	"time"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/dagstream"
	"github.com/cairnpkg/cairn/node/internal/exchange"
)

// NetBlocks gets log entries: from the store if held, else from the
// network, connecting first to the peer that told of the head: from it over
// /cairn/car/1.0.0 if it speaks it (one round trip), else over bitswap.
type NetBlocks struct {
	Host     host.Host
	Exchange *exchange.Exchange
	Store    interface {
		Block(ctx context.Context, c cid.Cid) ([]byte, error)
	}
	Log *slog.Logger
}

var (
	_ Blocks = NetBlocks{}
	_ Ranger = NetBlocks{}
)

// GetBlock returns block c, checked against c. It is not stored: the caller
// checks it and stores it in its own Txn.
func (n NetBlocks) GetBlock(ctx context.Context, c cid.Cid, from peer.ID, addrs []string) ([]byte, error) {
	if data, err := n.Store.Block(ctx, c); err == nil {
		return data, nil
	}
	n.connectHint(ctx, from, addrs)
	if data, ok := n.stream(ctx, c, from); ok {
		return data, nil
	}
	b, err := n.Exchange.NewSession(ctx).GetBlock(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := dag.CheckBlock(c, b.RawData()); err != nil {
		return nil, err
	}
	return b.RawData(), nil
}

// LogRange gets entries from, from-1, ... of signer's log from p, at most
// count, over /cairn/log/1.0.0 (connected already: GetBlock got the head).
func (n NetBlocks) LogRange(ctx context.Context, p peer.ID, signer string, from, count uint64) (map[cid.Cid][]byte, error) {
	if p == "" || p == n.Host.ID() {
		return nil, dagstream.ErrNotSupported
	}
	return dagstream.LogRange(ctx, n.Host, p, signer, from, count)
}

// streamTimeout bounds the wait for one entry from the announcing peer over
// /cairn/car/1.0.0, before bitswap asks every peer.
const streamTimeout = 2 * time.Second

// stream gets block c from p over /cairn/car/1.0.0, checked against c, if p
// speaks it.
func (n NetBlocks) stream(ctx context.Context, c cid.Cid, p peer.ID) ([]byte, bool) {
	if p == "" || p == n.Host.ID() {
		return nil, false
	}
	if protos, err := n.Host.Peerstore().SupportsProtocols(p, dagstream.ID); err != nil || len(protos) == 0 {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, streamTimeout)
	defer cancel()
	got, err := dagstream.FetchNodes(ctx, []cid.Cid{c}, func(ctx context.Context, roots []cid.Cid, put func(blocks.Block) error) error {
		return dagstream.Fetch(ctx, n.Host, p, roots, put, nil)
	})
	if err != nil {
		n.Log.Debug("log entry over the DAG stream", "peer", p, "cid", c, "err", err)
	}
	data, ok := got[c]
	return data, ok
}

// connectHint connects to p, through addrs (multiaddrs with /p2p/ID) if
// given, unless already connected. Failure is not an error: bitswap asks
// every connected peer anyway.
func (n NetBlocks) connectHint(ctx context.Context, p peer.ID, addrs []string) {
	if p == "" || p == n.Host.ID() || len(n.Host.Network().ConnsToPeer(p)) > 0 {
		return
	}
	var infos []peer.AddrInfo
	for _, s := range addrs {
		m, err := ma.NewMultiaddr(s)
		if err != nil {
			continue
		}
		if ai, err := peer.AddrInfoFromP2pAddr(m); err == nil && ai.ID != n.Host.ID() {
			infos = append(infos, *ai)
		}
	}
	if len(infos) == 0 {
		infos = append(infos, peer.AddrInfo{ID: p})
	}
	for _, ai := range infos {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := n.Host.Connect(cctx, ai)
		cancel()
		if err == nil {
			return
		}
		n.Log.Debug("connect to announcer", "peer", ai.ID, "err", err)
	}
}

package node

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cairnpkg/cairn/node/internal/dagstream"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/libp2p/go-libp2p/core/peer"
)

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

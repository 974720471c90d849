package fetch

import (
	"context"
	"errors"
	"fmt"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/cairnpkg/cairn/node/internal/dagstream"
	"github.com/cairnpkg/cairn/node/internal/store"
)

// streamDAG gets the DAG below package c (its node and its layers' content)
// over /cairn/car/1.0.0, from the peers that speak it, connected ones first,
// resuming each time from what is already in the transaction. It reports
// whether the whole DAG is now here. With TransportAuto a failure is not an
// error: bitswap gets the rest; with TransportStream it is.
func (s *session) streamDAG(ctx context.Context, c cid.Cid) (bool, error) {
	if s.transport == TransportBitswap {
		return false, nil
	}
	get := func(c cid.Cid) (blocks.Block, error) {
		b, err := s.counted.Get(ctx, c)
		if store.IsNotFound(err) {
			return nil, ipld.ErrNotFound{Cid: c}
		}
		return b, err
	}
	var errs []error
	for _, p := range s.f.cfg.Net.StreamPeers() {
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
		w := newBatchWriter(ctx, s.counted.PutMany)
		err = s.f.cfg.Net.StreamDAG(ctx, p, roots, w.Put)
		if werr := w.Close(); werr != nil && err == nil {
			return false, werr // the store failed, not the peer
		}
		if err == nil {
			s.mu.Lock()
			s.answered[p] = true
			s.mu.Unlock()
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
		s.f.cfg.Log.Debug("fetch: DAG stream failed", "peer", p, "cid", c, "err", err)
		errs = append(errs, fmt.Errorf("peer %s: %w", p, err))
	}
	roots, err := dagstream.Missing(ctx, []cid.Cid{c}, get)
	if err != nil {
		return false, err
	}
	if len(roots) == 0 {
		return true, nil
	}
	if s.transport == TransportStream {
		return false, fmt.Errorf("%w: %d subtrees of %s missing after streaming from every peer that speaks %s: %w",
			store.ErrNotFound, len(roots), c, dagstream.ID, errors.Join(errs...))
	}
	return false, nil
}

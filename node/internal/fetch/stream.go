package fetch

import (
	"context"
	"errors"
	"fmt"
	"slices"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/node/internal/dagstream"
	"github.com/cairnpkg/cairn/node/internal/store"
)

// stream gets the DAGs under roots over /cairn/car/1.0.0, from the peers
// that speak it, those that answered this fetch's referrers lookup first
// (they hold the package: a peer that serves its referrers has committed
// it), then the other connected ones, resuming each time from what is
// already in the transaction, each block charged to b. It reports whether
// the whole DAG is now here. With TransportAuto a peer's failure is not an
// error (bitswap gets the rest); with TransportStream it is. Going over the
// budget is always an error: the DAG itself is larger than declared.
func (s *session) stream(ctx context.Context, roots []cid.Cid, b *budget) (bool, error) {
	if s.transport == TransportBitswap {
		return false, nil
	}
	get := func(c cid.Cid) (blocks.Block, error) {
		blk, err := s.counted.Get(ctx, c)
		if store.IsNotFound(err) {
			return nil, ipld.ErrNotFound{Cid: c}
		}
		return blk, err
	}
	peers := s.f.cfg.Net.StreamPeers()
	s.mu.Lock()
	slices.SortStableFunc(peers, func(a, b peer.ID) int {
		switch {
		case s.answered[a] == s.answered[b]:
			return 0
		case s.answered[a]:
			return -1
		default:
			return 1
		}
	})
	s.mu.Unlock()
	if len(peers) > 1 && b.declared >= multiStreamMin {
		whole, err := s.streamMany(ctx, peers, roots, b, get)
		if err != nil || whole {
			return whole, err
		}
		// What is left: one peer after the other, then bitswap.
	}
	var errs []error
	for _, p := range peers {
		missing, err := dagstream.Missing(ctx, roots, get)
		if err != nil {
			return false, err
		}
		if len(missing) == 0 {
			return true, nil
		}
		truncated := len(missing) > dagstream.MaxRoots
		if truncated {
			missing = missing[:dagstream.MaxRoots]
		}
		w := newBatchWriter(ctx, streamQueue, s.counted.PutMany)
		err = s.f.cfg.Net.StreamDAG(ctx, p, missing, func(blk blocks.Block) error {
			if err := b.take(len(blk.RawData())); err != nil {
				return err
			}
			return w.Put(blk)
		})
		if werr := w.Close(); werr != nil && err == nil {
			return false, werr // the store failed, not the peer
		}
		if errors.Is(err, ErrOverBudget) || errors.Is(err, dagstream.ErrTooDeep) {
			return false, err
		}
		if err == nil {
			s.mu.Lock()
			s.answered[p] = true
			s.mu.Unlock()
			if !truncated {
				// StreamDAG returns nil only when its walk of every root
				// ended exactly: the DAG is whole, no need to read it back.
				return true, nil
			}
			continue // Missing finds the roots not asked for yet
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		s.f.cfg.Log.Debug("fetch: DAG stream failed", "peer", p, "err", err)
		errs = append(errs, fmt.Errorf("peer %s: %w", p, err))
	}
	missing, err := dagstream.Missing(ctx, roots, get)
	if err != nil {
		return false, err
	}
	if len(missing) == 0 {
		return true, nil
	}
	if s.transport == TransportStream {
		return false, fmt.Errorf("%w: %d subtrees missing after streaming from every peer that speaks %s: %w",
			store.ErrNotFound, len(missing), dagstream.ID, errors.Join(errs...))
	}
	return false, nil
}

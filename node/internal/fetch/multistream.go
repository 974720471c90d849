package fetch

import (
	"context"
	"errors"
	"fmt"
	"sync"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/node/internal/dagstream"
)

// Fetching one DAG from several peers at once (docs/network.md §8): the DAG
// is split into subtrees, handed out a few at a time to one worker per peer
// from a shared queue, so a fast peer takes more than a slow one; a peer
// whose stream fails (a reset, a block that does not hash to its CID) is
// dropped and its subtrees go back on the queue for the others. Each
// subtree is asked of one peer only, so no block is asked for twice
// (except one that two subtrees share, as identical chunks of a file may).

const (
	// multiStreamMin is the declared size from which a DAG is split across
	// peers: below it one stream is as fast.
	multiStreamMin = 8 << 20
	// subtreesPerPeer is how many chunks of work each peer gets on average:
	// enough for a fast peer to take over a slow one's share.
	subtreesPerPeer = 8
	// maxExpand bounds the round trips spent finding enough subtrees.
	maxExpand = 16
)

// errExpanded stops a stream once it delivered the one block asked for.
var errExpanded = errors.New("expanded")

// streamMany gets the DAGs under roots from peers at once. It reports
// whether the whole DAG is here; false with a nil error when what is left
// should be tried as before (one peer after the other, then bitswap).
func (s *session) streamMany(ctx context.Context, peers []peer.ID, roots []cid.Cid, b *budget, get func(cid.Cid) (blocks.Block, error)) (bool, error) {
	missing, alive, err := s.expand(ctx, peers, roots, len(peers)*subtreesPerPeer, b, get)
	if err != nil || len(missing) == 0 {
		return len(missing) == 0 && err == nil, err
	}
	for len(missing) > 0 && len(alive) > 0 {
		var failed []peer.ID
		if failed, err = s.streamQueue(ctx, alive, missing, b, get); err != nil {
			return false, err
		}
		alive = without(alive, failed)
		if missing, err = dagstream.Missing(ctx, roots, get); err != nil {
			return false, err
		}
	}
	return len(missing) == 0, nil
}

// expand fetches the top blocks of the missing subtrees, one subtree root
// at a time, until there are at least want subtrees (or nothing more to
// split): the blocks of a stream come in walk order, so its first block is
// the root asked for. A peer whose stream fails is passed over; it returns
// the subtrees missing and the peers not passed over.
func (s *session) expand(ctx context.Context, peers []peer.ID, roots []cid.Cid, want int, b *budget, get func(cid.Cid) (blocks.Block, error)) ([]cid.Cid, []peer.ID, error) {
	missing, err := dagstream.Missing(ctx, roots, get)
	for i := 0; err == nil && i < maxExpand && len(peers) > 0 && len(missing) > 0 && len(missing) < want; i++ {
		top := missing[0]
		if top.Prefix().Codec == cid.Raw {
			break // a leaf does not split
		}
		err = s.f.cfg.Net.StreamDAG(ctx, peers[0], []cid.Cid{top}, func(blk blocks.Block) error {
			if err := b.take(len(blk.RawData())); err != nil {
				return err
			}
			if err := s.counted.PutMany(ctx, []blocks.Block{blk}); err != nil {
				return fmt.Errorf("%w: %w", errStore, err)
			}
			return errExpanded
		})
		switch {
		case errors.Is(err, errExpanded):
		case fatal(err) || ctx.Err() != nil:
			return nil, nil, err
		default:
			s.f.cfg.Log.Debug("fetch: DAG stream failed", "peer", peers[0], "err", err)
			peers = peers[1:]
		}
		missing, err = dagstream.Missing(ctx, roots, get)
	}
	return missing, peers, err
}

// streamQueue hands the subtrees under missing out to one worker per peer,
// a few at a time, until the queue is empty. It returns the peers whose
// streams failed (their subtrees went back on the queue); an error only
// when the fetch must stop: the budget is spent, the DAG is too deep, the
// store failed, ctx ended.
func (s *session) streamQueue(ctx context.Context, peers []peer.ID, missing []cid.Cid, b *budget, get func(cid.Cid) (blocks.Block, error)) ([]peer.ID, error) {
	chunk := max(1, min(dagstream.MaxRoots, len(missing)/(len(peers)*subtreesPerPeer)))
	q := &subtreeQueue{}
	for i := 0; i < len(missing); i += chunk {
		q.work = append(q.work, missing[i:min(i+chunk, len(missing))])
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []peer.ID
	)
	for _, p := range peers {
		wg.Go(func() {
			for {
				roots, ok := q.take()
				if !ok {
					return
				}
				err := s.streamSubtrees(ctx, p, roots, b)
				if err == nil {
					continue
				}
				if fatal(err) || ctx.Err() != nil {
					cancel(err)
					return
				}
				// Only what did not come goes back: the subtrees still
				// missing under the chunk's roots.
				left, merr := dagstream.Missing(ctx, roots, get)
				if merr != nil {
					cancel(merr)
					return
				}
				q.giveBack(left)
				s.f.cfg.Log.Debug("fetch: DAG stream failed; its subtrees go to the other peers", "peer", p, "err", err)
				mu.Lock()
				failed = append(failed, p)
				mu.Unlock()
				return
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return failed, err
	}
	return failed, nil
}

// streamSubtrees streams the DAGs under roots from p into the transaction,
// each block charged to b.
func (s *session) streamSubtrees(ctx context.Context, p peer.ID, roots []cid.Cid, b *budget) error {
	w := newBatchWriter(ctx, streamQueue, s.counted.PutMany)
	err := s.f.cfg.Net.StreamDAG(ctx, p, roots, func(blk blocks.Block) error {
		if err := b.take(len(blk.RawData())); err != nil {
			return err
		}
		return w.Put(blk)
	})
	if werr := w.Close(); werr != nil && err == nil {
		return fmt.Errorf("%w: %w", errStore, werr)
	}
	if err == nil {
		s.mu.Lock()
		s.answered[p] = true
		s.mu.Unlock()
	}
	return err
}

// errStore marks a failure of the store, not of the peer.
var errStore = errors.New("store")

// fatal tells the errors that stop the whole fetch from a peer's failure.
func fatal(err error) bool {
	return errors.Is(err, ErrOverBudget) || errors.Is(err, dagstream.ErrTooDeep) || errors.Is(err, errStore)
}

// subtreeQueue is the work of streamQueue: chunks of subtree roots.
type subtreeQueue struct {
	mu   sync.Mutex
	work [][]cid.Cid
}

func (q *subtreeQueue) take() ([]cid.Cid, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.work) == 0 {
		return nil, false
	}
	roots := q.work[0]
	q.work = q.work[1:]
	return roots, true
}

// giveBack puts roots on the queue again. A worker still running takes
// them; if none is, streamMany finds them missing and starts another round
// with the peers left.
func (q *subtreeQueue) giveBack(roots []cid.Cid) {
	if len(roots) == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := 0; i < len(roots); i += dagstream.MaxRoots {
		q.work = append(q.work, roots[i:min(i+dagstream.MaxRoots, len(roots))])
	}
}

// without returns peers less those in drop.
func without(peers, drop []peer.ID) []peer.ID {
	var out []peer.ID
	for _, p := range peers {
		keep := true
		for _, d := range drop {
			keep = keep && p != d
		}
		if keep {
			out = append(out, p)
		}
	}
	return out
}

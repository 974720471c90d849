package fetch

import (
	"context"
	"fmt"
	"slices"

	"github.com/ipfs/boxo/exchange"
	"github.com/ipfs/boxo/verifcid"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/dagstream"
	"github.com/cairnpkg/cairn/node/internal/store"
)

// content gets the content of every package taken in, once the root is
// trusted, within the budget of what their layers declare: streamed whole
// from a peer that can, the rest over bitswap. Each layer's root is pinned.
func (s *session) content(ctx context.Context) error {
	var (
		roots []cid.Cid
		size  uint64
	)
	s.mu.Lock()
	target := s.pkgs[0].Ref() // the root
	for _, p := range s.pkgs {
		for _, l := range p.Layers {
			size += l.Size
			if !slices.ContainsFunc(roots, l.Content.Equals) {
				roots = append(roots, l.Content)
			}
			s.tx.Pin(l.Content, store.PinContent)
		}
	}
	s.mu.Unlock()
	// The content may not take the repo past storage_max: refused up front
	// if what its layers declare, with the budget's slack, does not fit.
	if err := s.space.check(target, uint64(s.counted.bytes.Load()), size+BudgetSlack); err != nil {
		return err
	}
	b := newBudget(size)
	whole, err := s.stream(ctx, roots, b)
	if err != nil || whole {
		return err
	}
	return s.bitswap(ctx, roots, b)
}

// bitswap gets the DAGs under roots over bitswap, a level at a time: the
// blocks of a level the repo does not hold are asked for at once, in one
// session, and each is charged to b as it comes, then written. No level
// deeper than dagstream.MaxDepth is asked for.
func (s *session) bitswap(ctx context.Context, roots []cid.Cid, b *budget) error {
	var fetcher exchange.Fetcher = s.f.cfg.Net.Exchange()
	if se, ok := fetcher.(exchange.SessionExchange); ok {
		fetcher = se.NewSession(ctx)
	}
	allow := dag.HashAllowlist()
	seen := map[cid.Cid]bool{}
	level := roots
	for depth := 0; len(level) > 0; depth++ {
		if depth > dagstream.MaxDepth {
			return fmt.Errorf("%w: content more than %d levels deep", dagstream.ErrTooDeep, dagstream.MaxDepth)
		}
		var next, want []cid.Cid
		follow := func(c cid.Cid, data []byte) error {
			if c.Prefix().Codec != cid.DagProtobuf {
				return nil
			}
			links, err := dagstream.Links(c, data)
			next = append(next, links...)
			return err
		}
		for _, c := range level {
			if seen[c] {
				continue
			}
			seen[c] = true
			if err := verifcid.ValidateCid(allow, c); err != nil {
				return fmt.Errorf("%w: %s: %w", dag.ErrInvalidCID, c, err)
			}
			data, err := s.counted.Get(ctx, c)
			switch {
			case err == nil:
				if err := follow(c, data.RawData()); err != nil {
					return err
				}
			case store.IsNotFound(err):
				want = append(want, c)
			default:
				return err
			}
		}
		if err := b.room(len(want)); err != nil {
			return err
		}
		for len(want) > 0 {
			n := min(len(want), b.window())
			if err := s.getWindow(ctx, fetcher, want[:n], b, follow); err != nil {
				return err
			}
			want = want[n:]
		}
		level = next
	}
	return nil
}

// getWindow gets the blocks cs over bitswap, charges each to b as it comes,
// hands it to follow and writes it, and fails if one does not come.
func (s *session) getWindow(ctx context.Context, fetcher exchange.Fetcher, cs []cid.Cid, b *budget, follow func(cid.Cid, []byte) error) error {
	ch, err := fetcher.GetBlocks(ctx, cs)
	if err != nil {
		return err
	}
	got := 0
	w := newBatchWriter(ctx, bitswapQueue, s.counted.PutMany)
	for blk := range ch {
		got++
		if err = b.take(len(blk.RawData())); err == nil {
			err = follow(blk.Cid(), blk.RawData())
		}
		if err != nil {
			break
		}
		w.Put(blocks.Block(blk))
	}
	if werr := w.Close(); err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	if got < len(cs) {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fmt.Errorf("%w: %d of %d blocks of the content came", store.ErrNotFound, got, len(cs))
	}
	return nil
}

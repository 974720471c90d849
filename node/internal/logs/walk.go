package logs

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/dagstream"
	"github.com/cairnpkg/cairn/node/internal/store"
)

// A Range gets entries from, from-1, ... of the log being walked, at most
// count, from one peer in one round trip (dagstream.FetchLog): each block
// it returns hashes to its CID, and nothing more is known of it. It may
// return fewer, and an error with what it got.
type Range func(ctx context.Context, from, count uint64) (map[cid.Cid][]byte, error)

// Walk fetches the entries of signer's log from head, which a peer says is
// entry seq, back to what the repo holds (held, its head; zero if none) or
// to entry 1, and returns them oldest first, ready for Ingest. Entries come
// from rng, if not nil, a run at a time, else (or when a run lacks the
// entry wanted, after which rng is not asked again) one at a time from get
// (each within entryTimeout). Each is checked against the CID the chain
// names for it, its signature, its signer and the seq it must have. A gap
// longer than MaxWalk entries is refused: see WalkLong.
func Walk(ctx context.Context, get func(context.Context, cid.Cid) ([]byte, error), rng Range, signer string, head cid.Cid, seq uint64, held store.Head, entryTimeout time.Duration) ([]Block, error) {
	w := &walker{get: get, rng: rng, signer: signer, timeout: entryTimeout}
	var chain []Block // newest first
	err := w.back(ctx, head, seq, held, MaxWalk, func(b Block) { chain = append(chain, b) })
	if err != nil {
		return nil, err
	}
	slices.Reverse(chain)
	return chain, nil
}

// WalkLong is Walk for a gap of up to MaxLongWalk entries, in memory that
// does not grow with the entries: it walks back from head checking every
// entry as Walk does but keeping only its CID, then gets the entries again,
// oldest first, a run of up to dagstream.MaxLogEntries at a time, checks
// each again (it must be the CID the first pass checked), and hands each
// run, oldest first, to ingest, which commits it. An error from ingest ends
// the walk with it; the runs ingested before stay.
func WalkLong(ctx context.Context, get func(context.Context, cid.Cid) ([]byte, error), rng Range, signer string, head cid.Cid, seq uint64, held store.Head, entryTimeout time.Duration, ingest func(context.Context, []Block) error) error {
	w := &walker{get: get, rng: rng, signer: signer, timeout: entryTimeout}
	var cids []cid.Cid // newest first
	err := w.back(ctx, head, seq, held, MaxLongWalk, func(b Block) { cids = append(cids, b.CID) })
	if err != nil {
		return err
	}
	slices.Reverse(cids)
	first := seq + 1 - uint64(len(cids)) // the seq of cids[0]
	for lo := 0; lo < len(cids); lo += dagstream.MaxLogEntries {
		run := cids[lo:min(lo+dagstream.MaxLogEntries, len(cids))]
		top := first + uint64(lo+len(run)) - 1 // the seq of the run's newest entry
		w.fill(ctx, top, uint64(len(run)))
		blocks := make([]Block, len(run))
		for i, c := range run {
			if blocks[i], err = w.entry(ctx, c, top-uint64(len(run)-1-i)); err != nil {
				return err
			}
		}
		if err := ingest(ctx, blocks); err != nil {
			return err
		}
	}
	return nil
}

// walker gets and checks the entries of one signer's log.
type walker struct {
	get     func(context.Context, cid.Cid) ([]byte, error)
	rng     Range // nil once a run lacked what was wanted
	run     map[cid.Cid][]byte
	signer  string
	timeout time.Duration
}

// back walks from head, entry seq, back along prev to what held allows (as
// Walk says), handing each checked entry to keep, newest first, and fails
// once more than limit entries were kept.
func (w *walker) back(ctx context.Context, head cid.Cid, seq uint64, held store.Head, limit int, keep func(Block)) error {
	c, want, n := head, seq, 0
	for {
		if _, ok := w.run[c]; !ok && want > held.Seq {
			w.fill(ctx, want, min(want-held.Seq, dagstream.MaxLogEntries))
			if _, ok := w.run[c]; !ok {
				w.rng = nil // the peer cannot: one entry at a time from now on
			}
		}
		b, err := w.entry(ctx, c, want)
		if err != nil {
			return err
		}
		keep(b)
		n++
		e := b.Entry
		if e.Seq == 1 || e.Seq <= held.Seq || (e.Seq-1 == held.Seq && e.Prev.Equals(held.CID)) {
			return nil
		}
		if n >= limit {
			return fmt.Errorf("%w: more than %d entries of %s beyond what this node holds", ErrBadLog, limit, w.signer)
		}
		c, want = e.Prev, e.Seq-1
	}
}

// fill replaces the run with entries from, from-1, ... (count at most) from
// rng, unless rng gave up. An error comes with what arrived before it, which
// is good.
func (w *walker) fill(ctx context.Context, from, count uint64) {
	if w.rng == nil {
		return
	}
	w.run, _ = w.rng(ctx, from, count)
}

// entry gets entry c, from the run or else from get, and checks that it is
// entry want of the signer's log, with the revocation it names, if any.
func (w *walker) entry(ctx context.Context, c cid.Cid, want uint64) (Block, error) {
	data, ok := w.run[c]
	delete(w.run, c)
	if !ok {
		var err error
		ectx, cancel := context.WithTimeout(ctx, w.timeout)
		data, err = w.get(ectx, c)
		cancel()
		if err != nil {
			return Block{}, fmt.Errorf("entry %d (%s): %w", want, c, err)
		}
	}
	b, err := Check(c, data, w.signer)
	if err != nil {
		return Block{}, err
	}
	if b.Entry.Seq != want {
		return Block{}, fmt.Errorf("%w: %s is entry %d, expected %d", ErrBadLog, c, b.Entry.Seq, want)
	}
	if b.Entry.Kind == dag.KindRevoke {
		ectx, cancel := context.WithTimeout(ctx, w.timeout)
		data, err := w.get(ectx, b.Entry.Revocation)
		cancel()
		if err != nil {
			return Block{}, fmt.Errorf("the revocation %s of entry %d: %w", b.Entry.Revocation, b.Entry.Seq, err)
		}
		if _, err := CheckRevocation(b.Entry.Revocation, data, w.signer); err != nil {
			return Block{}, err
		}
		b.Revocation = data
	}
	return b, nil
}

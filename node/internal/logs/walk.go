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
// longer than MaxWalk entries is refused.
func Walk(ctx context.Context, get func(context.Context, cid.Cid) ([]byte, error), rng Range, signer string, head cid.Cid, seq uint64, held store.Head, entryTimeout time.Duration) ([]Block, error) {
	var chain []Block          // newest first
	var run map[cid.Cid][]byte // what rng brought and the walk has not reached yet
	c, want := head, seq
	for {
		data, ok := run[c]
		delete(run, c)
		if !ok && rng != nil && want > held.Seq {
			// An error comes with what arrived before it, which is good.
			got, _ := rng(ctx, want, min(want-held.Seq, dagstream.MaxLogEntries))
			if data, ok = got[c]; ok {
				delete(got, c)
				run = got
			} else {
				rng = nil // the peer cannot: one entry at a time from now on
			}
		}
		if !ok {
			var err error
			ectx, cancel := context.WithTimeout(ctx, entryTimeout)
			data, err = get(ectx, c)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("entry %d (%s): %w", want, c, err)
			}
		}
		b, err := Check(c, data, signer)
		if err != nil {
			return nil, err
		}
		if b.Entry.Seq != want {
			return nil, fmt.Errorf("%w: %s is entry %d, expected %d", ErrBadLog, c, b.Entry.Seq, want)
		}
		if b.Entry.Kind == dag.KindRevoke {
			ectx, cancel := context.WithTimeout(ctx, entryTimeout)
			data, err := get(ectx, b.Entry.Revocation)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("the revocation %s of entry %d: %w", b.Entry.Revocation, b.Entry.Seq, err)
			}
			if _, err := CheckRevocation(b.Entry.Revocation, data, signer); err != nil {
				return nil, err
			}
			b.Revocation = data
		}
		chain = append(chain, b)
		e := b.Entry
		if e.Seq == 1 || e.Seq <= held.Seq || (e.Seq-1 == held.Seq && e.Prev.Equals(held.CID)) {
			break
		}
		if len(chain) >= MaxWalk {
			return nil, fmt.Errorf("%w: more than %d entries of %s beyond what this node holds", ErrBadLog, MaxWalk, signer)
		}
		c, want = e.Prev, e.Seq-1
	}
	slices.Reverse(chain)
	return chain, nil
}

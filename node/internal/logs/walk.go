package logs

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
)

// Walk fetches the entries of signer's log from head, which a peer says is
// entry seq, back to what the repo holds (held, its head; zero if none) or
// to entry 1, and returns them oldest first, ready for Ingest. Each entry is
// got with get (within entryTimeout) and checked against its CID, its
// signature, its signer and the seq it must have. A gap longer than MaxWalk
// entries is refused.
func Walk(ctx context.Context, get func(context.Context, cid.Cid) ([]byte, error), signer string, head cid.Cid, seq uint64, held store.Head, entryTimeout time.Duration) ([]Block, error) {
	var chain []Block // newest first
	c, want := head, seq
	for {
		ectx, cancel := context.WithTimeout(ctx, entryTimeout)
		data, err := get(ectx, c)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("entry %d (%s): %w", want, c, err)
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

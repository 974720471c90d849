package logs

import (
	"context"
	"errors"
	"fmt"
	"time"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// IngestResult says what ingesting a piece of a log did.
type IngestResult struct {
	Added    []Ref
	Evidence []sign.Equivocation
}

// TxStore is a Store that can start the Txn an ingest commits.
type TxStore interface {
	Store
	Begin(ctx context.Context) (*store.Txn, error)
}

// Ingest stores a fetched piece of one signer's log, oldest entry first, in
// one Txn of its own (IngestInto says how).
func Ingest(ctx context.Context, st TxStore, chain []Block) (*IngestResult, error) {
	if len(chain) == 0 {
		return &IngestResult{}, nil
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)
	res, err := IngestInto(ctx, st, tx, chain)
	if err != nil {
		return nil, err
	}
	if _, err := tx.CommitWithWarnings(ctx); err != nil {
		return nil, err
	}
	return res, nil
}

// IngestInto stores a piece of one signer's log, oldest entry first, in tx,
// which the caller commits: each entry must follow the one before it
// (seq+1, prev = its CID), and the first must follow the log as held (or be
// entry 1). An entry at a seq already held under another CID is a fork: it
// is kept as evidence with the held entry, and nothing of the fork is added.
// An entry naming a different package for a name@version than a held entry
// does is a conflict: it is added (it is genuinely in the log) and the pair
// kept as evidence.
func IngestInto(ctx context.Context, st Store, tx *store.Txn, chain []Block) (*IngestResult, error) {
	if len(chain) == 0 {
		return &IngestResult{}, nil
	}
	signer := chain[0].Entry.Signer
	head, err := st.LogHead(ctx, signer)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	res := &IngestResult{}
	now := time.Now().UTC()
	pending := map[string][]Block{} // name@version -> entries this chain adds
	var added []blocks.Block        // their blocks, written at the end
	prev := head
	rotated, err := st.Rotation(ctx, signer)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		rotated = store.Rotation{}
	default:
		return nil, err
	}
	for _, b := range chain {
		e := b.Entry
		if e.Signer != signer {
			return nil, fmt.Errorf("%w: entry %s of %s in the log of %s", ErrBadLog, b.CID, e.Signer, signer)
		}
		if e.Seq <= head.Seq {
			held, err := st.LogEntry(ctx, signer, e.Seq)
			if err != nil {
				return nil, err
			}
			if held.Equals(b.CID) {
				prev = store.Head{Signer: signer, Seq: e.Seq, CID: b.CID}
				continue
			}
			ev, err := forkEvidence(ctx, st, tx, held, b, now)
			if err != nil {
				return nil, err
			}
			res.Evidence = append(res.Evidence, ev)
			break
		}
		if e.Seq != prev.Seq+1 || (e.Seq > 1 && !e.Prev.Equals(prev.CID)) {
			return nil, fmt.Errorf("%w: entry %d (%s) does not follow entry %d (%s) of %s", ErrBadLog, e.Seq, b.CID, prev.Seq, prev.CID, signer)
		}
		if rotated.Seq != 0 && e.Seq > rotated.Seq {
			return nil, fmt.Errorf("%w: entry %d of %s comes after the key rotated to %s (entry %d): a rotated key's log ends there", ErrBadLog, e.Seq, signer, rotated.Key, rotated.Seq)
		}
		blk, err := blocks.NewBlockWithCid(b.Data, b.CID)
		if err != nil {
			return nil, err
		}
		added = append(added, blk)
		tx.AppendLog(e, b.CID)
		switch e.Kind {
		case dag.KindRotate:
			rotated = store.Rotation{Signer: signer, Seq: e.Seq, Key: e.Key, Entry: b.CID}
		case dag.KindRevoke:
			if err := putRevocation(ctx, st, tx, b); err != nil {
				return nil, err
			}
		}
		if e.IsRelease() {
			evs, err := conflicts(ctx, st, b, pending[e.Ref().String()], now)
			if err != nil {
				return nil, err
			}
			for _, ev := range evs {
				tx.AddEvidence(ev)
			}
			res.Evidence = append(res.Evidence, evs...)
			pending[e.Ref().String()] = append(pending[e.Ref().String()], b)
		}
		res.Added = append(res.Added, Ref{Signer: signer, Seq: e.Seq, Entry: b.CID})
		prev = store.Head{Signer: signer, Seq: e.Seq, CID: b.CID}
	}
	// The entries' blocks in one write (a journal batch and a block batch),
	// not one write each: a catch-up of thousands of entries spent most of
	// its time in per-entry batches.
	if len(added) > 0 {
		if err := tx.Blockstore().PutMany(ctx, added); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// forkEvidence records, in tx, that b and the held entry share a seq.
func forkEvidence(ctx context.Context, st Store, tx *store.Txn, held cid.Cid, b Block, now time.Time) (sign.Equivocation, error) {
	data, err := st.Block(ctx, held)
	if err != nil {
		return sign.Equivocation{}, err
	}
	he, err := dag.DecodeLogEntry(data)
	if err != nil {
		return sign.Equivocation{}, err
	}
	if err := tx.PutNode(ctx, b.CID, b.Data); err != nil {
		return sign.Equivocation{}, err
	}
	ev := sign.Equivocation{
		Kind: sign.EquivocationFork, Name: b.Entry.Name.String(), Version: b.Entry.Version,
		Signers: [2]string{he.Signer, b.Entry.Signer}, Seqs: [2]uint64{he.Seq, b.Entry.Seq},
		Entries: [2]cid.Cid{held, b.CID}, Packages: [2]cid.Cid{he.Package, b.Entry.Package}, Detected: now,
	}
	tx.AddEvidence(ev)
	return ev, nil
}

// conflicts returns the proof that b names another package for its
// name@version than a held entry, or one of pending (added by the same Txn).
func conflicts(ctx context.Context, st Store, b Block, pending []Block, now time.Time) ([]sign.Equivocation, error) {
	e := b.Entry
	proof := func(signer string, seq uint64, entry, pkg cid.Cid) []sign.Equivocation {
		return []sign.Equivocation{{
			Kind: sign.EquivocationConflict, Name: e.Name.String(), Version: e.Version,
			Signers: [2]string{signer, e.Signer}, Seqs: [2]uint64{seq, e.Seq},
			Entries: [2]cid.Cid{entry, b.CID}, Packages: [2]cid.Cid{pkg, e.Package}, Detected: now,
		}}
	}
	for _, p := range pending {
		if !p.Entry.Package.Equals(e.Package) {
			return proof(p.Entry.Signer, p.Entry.Seq, p.CID, p.Entry.Package), nil
		}
	}
	held, err := st.Claims(ctx, e.Name.String(), e.Version)
	if err != nil {
		return nil, err
	}
	for _, cl := range held {
		if cl.Package.Equals(e.Package) {
			continue
		}
		ec, err := st.LogEntry(ctx, cl.Signer, cl.Seq)
		if err != nil {
			return nil, err
		}
		return proof(cl.Signer, cl.Seq, ec, cl.Package), nil
	}
	return nil, nil
}

// putRevocation stores, in tx, the revocation revoke entry b publishes: from
// b, or the store if b does not carry it.
func putRevocation(ctx context.Context, st Store, tx *store.Txn, b Block) error {
	data := b.Revocation
	if data == nil {
		var err error
		if data, err = st.Block(ctx, b.Entry.Revocation); err != nil {
			return fmt.Errorf("%w: revoke entry %d of %s without its revocation %s: %w", ErrBadLog, b.Entry.Seq, b.Entry.Signer, b.Entry.Revocation, err)
		}
	}
	r, err := CheckRevocation(b.Entry.Revocation, data, b.Entry.Signer)
	if err != nil {
		return err
	}
	if err := tx.PutNode(ctx, b.Entry.Revocation, data); err != nil {
		return err
	}
	tx.AddRevocation(r, b.Entry.Revocation)
	return nil
}

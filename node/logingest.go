package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/go-cid"
)

// MaxLogWalk bounds the entries one catch-up fetches of a log beyond what the
// node holds (docs/logs.md): a longer gap fails with a clear error rather
// than holding an unbounded chain in memory.
const MaxLogWalk = 10000

// logBlock is a fetched log entry: its CID, bytes and decoded form, checked
// against its CID and signature.
type logBlock struct {
	cid   cid.Cid
	data  []byte
	entry *dag.LogEntry
}

// checkLogBlock decodes data, which hashed to c, as an entry of signer's log
// and checks its signature.
func checkLogBlock(c cid.Cid, data []byte, signer string) (logBlock, error) {
	if err := dag.CheckBlock(c, data); err != nil {
		return logBlock{}, err
	}
	e, err := dag.DecodeLogEntry(data)
	if err != nil {
		return logBlock{}, fmt.Errorf("%w: %s: %w", ErrBadLog, c, err)
	}
	if signer != "" && e.Signer != signer {
		return logBlock{}, fmt.Errorf("%w: entry %s is signed by %s, not %s", ErrBadLog, c, e.Signer, signer)
	}
	if err := sign.VerifyLogEntry(e); err != nil {
		return logBlock{}, fmt.Errorf("%w: %s: %w", ErrBadLog, c, err)
	}
	return logBlock{cid: c, data: data, entry: e}, nil
}

// IngestResult says what ingesting a fetched piece of a log did.
type IngestResult struct {
	Added    []LogRef
	Evidence []sign.Equivocation
}

// ingestLog stores a fetched piece of one signer's log, oldest entry first,
// in one Txn: each entry must follow the one before it (seq+1, prev = its
// CID), and the first must follow the log as held (or be entry 1). An entry
// at a seq already held under another CID is a fork: it is kept as evidence
// with the held entry, and nothing of the fork is added. An entry naming a
// different package for a name@version than a held entry does is a conflict:
// it is added (it is genuinely in the log) and the pair kept as evidence.
func (r *Repo) ingestLog(ctx context.Context, chain []logBlock) (*IngestResult, error) {
	if len(chain) == 0 {
		return &IngestResult{}, nil
	}
	tx, err := r.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)
	res, err := r.ingestInto(ctx, tx, chain)
	if err != nil {
		return nil, err
	}
	if _, err := commit(ctx, tx); err != nil {
		return nil, err
	}
	for _, ev := range res.Evidence {
		r.log.Warn("equivocation detected", "kind", ev.Kind, "name", ev.Name+"@"+ev.Version,
			"signers", ev.Signers, "entries", ev.Entries)
	}
	return res, nil
}

// ingestInto is ingestLog within tx, which the caller commits.
func (r *Repo) ingestInto(ctx context.Context, tx *store.Txn, chain []logBlock) (*IngestResult, error) {
	if len(chain) == 0 {
		return &IngestResult{}, nil
	}
	signer := chain[0].entry.Signer
	head, err := r.store.LogHead(ctx, signer)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	res := &IngestResult{}
	now := time.Now().UTC()
	pending := map[string][]logBlock{} // name@version -> entries this chain adds
	prev := head
	for _, b := range chain {
		e := b.entry
		if e.Signer != signer {
			return nil, fmt.Errorf("%w: entry %s of %s in the log of %s", ErrBadLog, b.cid, e.Signer, signer)
		}
		if e.Seq <= head.Seq {
			held, err := r.store.LogEntry(ctx, signer, e.Seq)
			if err != nil {
				return nil, err
			}
			if held.Equals(b.cid) {
				prev = store.Head{Signer: signer, Seq: e.Seq, CID: b.cid}
				continue
			}
			ev, err := r.forkEvidence(ctx, tx, held, b, now)
			if err != nil {
				return nil, err
			}
			res.Evidence = append(res.Evidence, ev)
			break
		}
		if e.Seq != prev.Seq+1 || (e.Seq > 1 && !e.Prev.Equals(prev.CID)) {
			return nil, fmt.Errorf("%w: entry %d (%s) does not follow entry %d (%s) of %s", ErrBadLog, e.Seq, b.cid, prev.Seq, prev.CID, signer)
		}
		if err := tx.PutNode(ctx, b.cid, b.data); err != nil {
			return nil, err
		}
		tx.AppendLog(e, b.cid)
		evs, err := r.conflicts(ctx, b, pending[e.Ref().String()], now)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			tx.AddEvidence(ev)
		}
		res.Evidence = append(res.Evidence, evs...)
		pending[e.Ref().String()] = append(pending[e.Ref().String()], b)
		res.Added = append(res.Added, LogRef{Signer: signer, Seq: e.Seq, Entry: b.cid})
		prev = store.Head{Signer: signer, Seq: e.Seq, CID: b.cid}
	}
	return res, nil
}

// forkEvidence records, in tx, that b and the held entry share a seq.
func (r *Repo) forkEvidence(ctx context.Context, tx *store.Txn, held cid.Cid, b logBlock, now time.Time) (sign.Equivocation, error) {
	data, err := r.store.Block(ctx, held)
	if err != nil {
		return sign.Equivocation{}, err
	}
	he, err := dag.DecodeLogEntry(data)
	if err != nil {
		return sign.Equivocation{}, err
	}
	if err := tx.PutNode(ctx, b.cid, b.data); err != nil {
		return sign.Equivocation{}, err
	}
	ev := sign.Equivocation{
		Kind: sign.EquivocationFork, Name: b.entry.Name.String(), Version: b.entry.Version,
		Signers: [2]string{he.Signer, b.entry.Signer}, Seqs: [2]uint64{he.Seq, b.entry.Seq},
		Entries: [2]cid.Cid{held, b.cid}, Packages: [2]cid.Cid{he.Package, b.entry.Package}, Detected: now,
	}
	tx.AddEvidence(ev)
	return ev, nil
}

// conflicts returns the proof that b names another package for its
// name@version than a held entry, or one of pending (added by the same Txn).
func (r *Repo) conflicts(ctx context.Context, b logBlock, pending []logBlock, now time.Time) ([]sign.Equivocation, error) {
	e := b.entry
	proof := func(signer string, seq uint64, entry, pkg cid.Cid) []sign.Equivocation {
		return []sign.Equivocation{{
			Kind: sign.EquivocationConflict, Name: e.Name.String(), Version: e.Version,
			Signers: [2]string{signer, e.Signer}, Seqs: [2]uint64{seq, e.Seq},
			Entries: [2]cid.Cid{entry, b.cid}, Packages: [2]cid.Cid{pkg, e.Package}, Detected: now,
		}}
	}
	for _, p := range pending {
		if !p.entry.Package.Equals(e.Package) {
			return proof(p.entry.Signer, p.entry.Seq, p.cid, p.entry.Package), nil
		}
	}
	held, err := r.store.Claims(ctx, e.Name.String(), e.Version)
	if err != nil {
		return nil, err
	}
	for _, cl := range held {
		if cl.Package.Equals(e.Package) {
			continue
		}
		ec, err := r.store.LogEntry(ctx, cl.Signer, cl.Seq)
		if err != nil {
			return nil, err
		}
		return proof(cl.Signer, cl.Seq, ec, cl.Package), nil
	}
	return nil, nil
}

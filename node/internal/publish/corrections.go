package publish

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// The corrections a publisher makes through its log (docs/logs.md §7):
// rotations, revocations, yanks. Each is an entry of the key's own log,
// committed in one Txn and announced like a release.

// CorrectionResult names the entry a correction appended.
type CorrectionResult struct {
	Kind   string    `json:"kind"`
	Signer string    `json:"signer"`
	Log    *logs.Ref `json:"log,omitempty"`
	// Key is a rotation's new key.
	Key string `json:"key,omitempty"`
	// Revocation is a revocation's node, Since its first revoked seq.
	Revocation *cid.Cid `json:"revocation,omitempty"`
	Since      uint64   `json:"since,omitempty"`
	// Name and Version are a yank's.
	Name     string   `json:"name,omitempty"`
	Version  string   `json:"version,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// Rotate appends to old's log a rotation to next, signed by old and
// countersigned by next: from then on a policy that trusts old trusts next
// for the same patterns and roles, and old signs nothing more. A rotation to
// a key the repo holds a revocation of is refused.
func (p *Publisher) Rotate(ctx context.Context, oldName, nextName string, now time.Time) (*CorrectionResult, error) {
	old, err := p.cfg.Key(oldName)
	if err != nil {
		return nil, err
	}
	next, err := p.cfg.Key(nextName)
	if err != nil {
		return nil, err
	}
	if old.DID() == next.DID() {
		return nil, fmt.Errorf("%w: %s and %s are the same key", errkind.Invalid, oldName, nextName)
	}
	if err := logs.Retired(ctx, p.cfg.Store, next.DID()); err != nil {
		return nil, fmt.Errorf("cannot rotate to %s: %w", next.DID(), err)
	}
	e := &dag.LogEntry{Kind: dag.KindRotate, Created: now, Key: next.DID()}
	return p.correct(ctx, old, next, e, nil)
}

// Revoke revokes key: from seq since on (0: from the entry it appends on,
// that is the next one), nothing its log says counts. It makes the
// revocation, appends a revoke entry carrying it to the key's own log, and
// tells the daemon, which gossips both.
func (p *Publisher) Revoke(ctx context.Context, keyName, reason string, since uint64, now time.Time) (*CorrectionResult, error) {
	key, err := p.cfg.Key(keyName)
	if err != nil {
		return nil, err
	}
	if err := logs.Retired(ctx, p.cfg.Store, key.DID()); err != nil {
		return nil, err
	}
	next, err := p.nextSeq(ctx, key.DID())
	if err != nil {
		return nil, err
	}
	if since == 0 || since > next {
		since = next
	}
	r, data, c, err := p.makeRevocation(key, reason, since, now)
	if err != nil {
		return nil, err
	}
	e := &dag.LogEntry{Kind: dag.KindRevoke, Created: now, Revocation: c, Reason: reason}
	res, err := p.correct(ctx, key, nil, e, func(tx *store.Txn) error {
		if err := tx.PutNode(ctx, c, data); err != nil {
			return err
		}
		tx.AddRevocation(r, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Revocation, res.Since = &c, since
	p.cfg.Events.Emit(events.Revoked{Revocation: r, CID: c, Data: data})
	return res, nil
}

// ExportRevocation makes a revocation of key, from seq since on (0: from
// the key's next entry on), to keep offline: nothing is stored or told. Its
// bytes can be imported later (ImportRevocation), when the key is lost.
func (p *Publisher) ExportRevocation(ctx context.Context, keyName, reason string, since uint64, now time.Time) (*dag.Revocation, []byte, cid.Cid, error) {
	key, err := p.cfg.Key(keyName)
	if err != nil {
		return nil, nil, cid.Undef, err
	}
	if since == 0 {
		if since, err = p.nextSeq(ctx, key.DID()); err != nil {
			return nil, nil, cid.Undef, err
		}
	}
	return p.makeRevocation(key, reason, since, now)
}

// ImportRevocation stores data, a revocation made in advance (checked: its
// signature by the key it revokes), pins it, and tells the daemon, which
// gossips it. The key itself is not needed.
func (p *Publisher) ImportRevocation(ctx context.Context, data []byte) (*CorrectionResult, error) {
	c, err := dag.Prefix.Sum(data)
	if err != nil {
		return nil, err
	}
	r, err := logs.CheckRevocation(c, data, "")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errkind.Invalid, err)
	}
	tx, err := p.cfg.Store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)
	if err := tx.PutNode(ctx, c, data); err != nil {
		return nil, err
	}
	tx.AddRevocation(r, c)
	warnings, err := tx.CommitWithWarnings(ctx)
	if err != nil {
		return nil, err
	}
	p.cfg.Events.Emit(events.Revoked{Revocation: r, CID: c, Data: data})
	return &CorrectionResult{Kind: dag.KindRevoke, Signer: r.Signer, Revocation: &c, Since: r.Since, Warnings: warnings}, nil
}

// Yank appends to key's log that it withdraws ref (the package ref resolves
// to, pkg), saying reason; Unyank (pkg undefined) takes it back. A yank
// counts once keys that meet the rule for ref's name have said it
// (trust.YankState).
func (p *Publisher) Yank(ctx context.Context, keyName string, ref dag.Ref, pkg cid.Cid, reason string, now time.Time) (*CorrectionResult, error) {
	key, err := p.cfg.Key(keyName)
	if err != nil {
		return nil, err
	}
	e := &dag.LogEntry{Kind: dag.KindUnyank, Created: now, Name: ref.Name, Version: ref.Version, Reason: reason}
	if pkg.Defined() {
		e.Kind, e.Package = dag.KindYank, pkg
	}
	res, err := p.correct(ctx, key, nil, e, nil)
	if err != nil {
		return nil, err
	}
	res.Name, res.Version = ref.Name.String(), ref.Version
	return res, nil
}

// correct appends e to key's log (countersigned by next for a rotation),
// with more, in one Txn, and announces it.
func (p *Publisher) correct(ctx context.Context, key, next *sign.Key, e *dag.LogEntry, more func(*store.Txn) error) (*CorrectionResult, error) {
	tx, err := p.cfg.Store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)
	if more != nil {
		if err := more(tx); err != nil {
			return nil, err
		}
	}
	app, err := logs.AppendEvent(ctx, p.cfg.Store, tx, key, next, e)
	if err != nil {
		return nil, err
	}
	warnings, err := tx.CommitWithWarnings(ctx)
	if err != nil {
		return nil, err
	}
	res := &CorrectionResult{Kind: e.Kind, Signer: key.DID(), Log: p.appended(ctx, app), Key: e.Key, Warnings: warnings}
	p.cfg.Log.Info("log entry", "kind", e.Kind, "signer", key.DID(), "seq", app.Entry.Seq)
	return res, nil
}

// nextSeq returns the seq did's next entry takes.
func (p *Publisher) nextSeq(ctx context.Context, did string) (uint64, error) {
	h, err := p.cfg.Store.LogHead(ctx, did)
	switch {
	case err == nil:
		return h.Seq + 1, nil
	case errors.Is(err, store.ErrNotFound):
		return 1, nil
	}
	return 0, err
}

func (p *Publisher) makeRevocation(key *sign.Key, reason string, since uint64, now time.Time) (*dag.Revocation, []byte, cid.Cid, error) {
	r := &dag.Revocation{Since: since, Reason: reason, Created: now}
	if err := sign.SignRevocation(key, r); err != nil {
		return nil, nil, cid.Undef, err
	}
	data, c, err := r.Encode()
	if err != nil {
		return nil, nil, cid.Undef, err
	}
	return r, data, c, nil
}

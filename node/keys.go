package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/publish"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// CorrectionResult names the log entry a rotation, revocation or yank
// appended.
type CorrectionResult = publish.CorrectionResult

// RotateKey appends to the log of the key oldName a rotation to the key
// nextName, signed by both (docs/trust.md §6).
func (r *Repo) RotateKey(ctx context.Context, oldName, nextName string) (*CorrectionResult, error) {
	return r.publisher.Rotate(ctx, oldName, nextName, time.Now())
}

// RevokeKey revokes the key name, from seq since of its log on (0: from
// now on), saying reason.
func (r *Repo) RevokeKey(ctx context.Context, name, reason string, since uint64) (*CorrectionResult, error) {
	return r.publisher.Revoke(ctx, name, reason, since, time.Now())
}

// ExportRevocation returns the bytes of a revocation of the key name, from
// seq since on (0: from its next entry on), to keep offline and import when
// the key is lost; nothing is stored.
func (r *Repo) ExportRevocation(ctx context.Context, name, reason string, since uint64) (*dag.Revocation, []byte, error) {
	rev, data, _, err := r.publisher.ExportRevocation(ctx, name, reason, since, time.Now())
	return rev, data, err
}

// ImportRevocation stores a revocation made in advance (checked) and, with
// a daemon, gossips it.
func (r *Repo) ImportRevocation(ctx context.Context, data []byte) (*CorrectionResult, error) {
	return r.publisher.ImportRevocation(ctx, data)
}

// Yank appends to the log of key (a key-store name or PEM path; "": the
// default key) the withdrawal of ref, which must resolve here, saying
// reason. Unyank takes it back.
func (r *Repo) Yank(ctx context.Context, ref dag.Ref, reason, key string) (*CorrectionResult, error) {
	c, err := r.ResolveRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	return r.publisher.Yank(ctx, key, ref, c, reason, time.Now())
}

// Unyank takes back key's yank of ref.
func (r *Repo) Unyank(ctx context.Context, ref dag.Ref, reason, key string) (*CorrectionResult, error) {
	return r.publisher.Yank(ctx, key, ref, cid.Undef, reason, time.Now())
}

// YankState says whether ref is withdrawn (nil: not by any key of its rule).
func (r *Repo) YankState(ctx context.Context, ref dag.Ref) (*trust.YankView, error) {
	pol, err := r.trustPolicy()
	if err != nil {
		return nil, err
	}
	return trust.YankState(ctx, r.store, pol, ref)
}

// ErrYanked: name@version is withdrawn by the keys of its rule; by-name
// operations refuse it unless told otherwise (ErrUntrusted kind).
var ErrYanked = trust.ErrYanked

// CheckNotYanked fails with ErrYanked, saying why, when ref is yanked.
func (r *Repo) CheckNotYanked(ctx context.Context, ref dag.Ref) error {
	y, err := r.YankState(ctx, ref)
	if err != nil || !y.Yanked() {
		return err
	}
	return fmt.Errorf("%w: %s: %s (withdrawn by %d of the %d keys its rule needs; --allow-yanked to use it anyway)", ErrYanked, ref, y.Reason, y.Holders, y.Threshold)
}

// TrustKey is a key of a rule as trust decisions see it.
type TrustKey struct {
	DID string `json:"did"`
	// Via is the rotation that brought the key in; nil for a key the
	// policy file lists.
	Via *trust.Origin `json:"via,omitempty"`
	// RevokedFrom is the first seq of its log a revocation covers (0: none).
	RevokedFrom uint64 `json:"revokedFrom,omitempty"`
}

// TrustRule is a rule of the policy as trust decisions see it.
type TrustRule struct {
	sign.Rule
	Keys []TrustKey `json:"keys"`
}

// TrustView returns the policy as trust decisions apply it: each rule with
// the keys its keys rotated to, and which keys are revoked.
func (r *Repo) TrustView(ctx context.Context) ([]TrustRule, error) {
	pol, err := r.Policy()
	if err != nil {
		return nil, err
	}
	eff, origins, err := trust.Effective(ctx, r.store, pol)
	if err != nil {
		return nil, err
	}
	out := make([]TrustRule, 0, len(eff.Rules))
	for i, rule := range eff.Rules {
		tr := TrustRule{Rule: pol.Rules[i], Keys: []TrustKey{}}
		for _, k := range rule.Keys {
			tk := TrustKey{DID: k}
			if o, ok := origins[k]; ok && !slices.Contains(pol.Rules[i].Keys, k) {
				o := o
				tk.Via = &o
			}
			if tk.RevokedFrom, err = trust.RevokedFrom(ctx, r.store, k); err != nil {
				return nil, err
			}
			tr.Keys = append(tr.Keys, tk)
		}
		out = append(out, tr)
	}
	return out, nil
}

// KeyStatus says what the repo's logs say of one of its keys: "active",
// "rotated" (to RotatedTo) or "revoked" (from RevokedFrom on).
type KeyStatus struct {
	Status      string `json:"status"`
	RotatedTo   string `json:"rotatedTo,omitempty"`
	RevokedFrom uint64 `json:"revokedFrom,omitempty"`
}

// KeyStatus returns what the repo's logs say of the key did.
func (r *Repo) KeyStatus(ctx context.Context, did string) (KeyStatus, error) {
	if from, err := trust.RevokedFrom(ctx, r.store, did); err != nil {
		return KeyStatus{}, err
	} else if from != 0 {
		return KeyStatus{Status: "revoked", RevokedFrom: from}, nil
	}
	rot, err := r.store.Rotation(ctx, did)
	switch {
	case err == nil:
		return KeyStatus{Status: "rotated", RotatedTo: rot.Key}, nil
	case !errors.Is(err, store.ErrNotFound):
		return KeyStatus{}, err
	}
	return KeyStatus{Status: "active"}, nil
}

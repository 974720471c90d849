package trust

import (
	"context"
	"errors"
	"slices"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// Keys is what the store says about keys: where a log ends in a rotation,
// and from which seq a key is revoked.
type Keys interface {
	Rotation(ctx context.Context, signer string) (store.Rotation, error)
	Revocations(ctx context.Context, signer string) ([]store.RevocationRecord, error)
}

// RevokedFrom returns the first seq of did's log that a revocation held
// covers; 0 when the key is not revoked.
func RevokedFrom(ctx context.Context, st Keys, did string) (uint64, error) {
	revs, err := st.Revocations(ctx, did)
	if err != nil {
		return 0, err
	}
	var from uint64
	for _, r := range revs {
		if from == 0 || r.Since < from {
			from = r.Since
		}
	}
	return from, nil
}

// Origin says how a key came into a rule of the effective policy: by the
// rotation from From, in From's log entry Entry.
type Origin struct {
	From  string  `json:"from"`
	Entry cid.Cid `json:"entry"`
}

// Effective returns pol with, in each rule, the keys its keys rotated to
// (docs/trust.md §6), rotation after rotation, each with its origin: a key
// the policy trusts hands its trust, for the same pattern and roles, to the
// key it rotated to. A rotation counts only if it comes before any
// revocation of its key, and never to a key the store holds a revocation
// of. pol itself is not changed.
func Effective(ctx context.Context, st Keys, pol *sign.Policy) (*sign.Policy, map[string]Origin, error) {
	out := &sign.Policy{Version: pol.Version, Rules: make([]sign.Rule, len(pol.Rules))}
	origins := map[string]Origin{}
	for i, rule := range pol.Rules {
		rule.Keys = slices.Clone(rule.Keys)
		for j := 0; j < len(rule.Keys); j++ {
			k := rule.Keys[j]
			rot, err := st.Rotation(ctx, k)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			from, err := RevokedFrom(ctx, st, k)
			if err != nil {
				return nil, nil, err
			}
			if from != 0 && rot.Seq >= from {
				continue // rotated by whoever held the key after it was revoked
			}
			if next, err := RevokedFrom(ctx, st, rot.Key); err != nil {
				return nil, nil, err
			} else if next != 0 {
				continue // a rotation to a revoked key is no rotation
			}
			if !slices.Contains(rule.Keys, rot.Key) {
				rule.Keys = append(rule.Keys, rot.Key)
				if _, ok := origins[rot.Key]; !ok {
					origins[rot.Key] = Origin{From: k, Entry: rot.Entry}
				}
			}
		}
		out.Rules[i] = rule
	}
	return out, origins, nil
}

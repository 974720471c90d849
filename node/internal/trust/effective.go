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
			rot, ok, err := successor(ctx, st, k)
			if err != nil {
				return nil, nil, err
			}
			if ok && !slices.Contains(rule.Keys, rot.Key) {
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

// successor returns the rotation of k's log, if it counts: it comes before
// any revocation of k (else whoever held the key after it was revoked made
// it), and its new key is not revoked (a rotation to a revoked key is no
// rotation).
func successor(ctx context.Context, st Keys, k string) (store.Rotation, bool, error) {
	rot, err := st.Rotation(ctx, k)
	if errors.Is(err, store.ErrNotFound) {
		return rot, false, nil
	}
	if err != nil {
		return rot, false, err
	}
	from, err := RevokedFrom(ctx, st, k)
	if err != nil {
		return rot, false, err
	}
	if from != 0 && rot.Seq >= from {
		return rot, false, nil
	}
	if next, err := RevokedFrom(ctx, st, rot.Key); err != nil || next != 0 {
		return rot, false, err
	}
	return rot, true, nil
}

// maxRotations bounds a chain of rotations followed by Holder.
const maxRotations = 64

// Holder returns the key that holds k's trust now: the last key of the
// chain of rotations from k that count (k itself if it never rotated). A key
// and the keys it rotated to are one holder: thresholds count holders, not
// keys, so one party cannot meet a 2-of-n rule with its old and new key.
func Holder(ctx context.Context, st Keys, k string) (string, error) {
	seen := []string{k}
	for range maxRotations {
		rot, ok, err := successor(ctx, st, k)
		if err != nil || !ok || slices.Contains(seen, rot.Key) {
			return k, err
		}
		k = rot.Key
		seen = append(seen, k)
	}
	return k, nil
}

package trust

import (
	"context"
	"slices"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// The yank states of a version (docs/trust.md §6.3).
const (
	YankYanked  = sign.YankYanked
	YankPending = sign.YankPending
)

// YankView says whether a version is withdrawn.
type YankView = sign.Yank

// YankState returns how ref stands with the yank and unyank entries of the
// logs held: for each key of the rule (pol effective), its newest such entry
// before any revocation of the key counts; yanked when the keys whose newest
// entry is a yank meet the threshold (counted as holders: a key and the key
// it rotated to are one). nil when no key of the rule yanked it.
func YankState(ctx context.Context, st Index, pol *sign.Policy, ref dag.Ref) (*YankView, error) {
	rule := pol.RuleFor(ref.Name)
	if rule == nil {
		return nil, nil
	}
	ys, err := st.Yanks(ctx, ref.Name.String(), ref.Version)
	if err != nil || len(ys) == 0 {
		return nil, err
	}
	newest := map[string]store.Yank{}
	for _, y := range ys {
		if !slices.Contains(rule.Keys, y.Signer) {
			continue
		}
		from, err := RevokedFrom(ctx, st, y.Signer)
		if err != nil {
			return nil, err
		}
		if from != 0 && y.Seq >= from {
			continue
		}
		if old, ok := newest[y.Signer]; !ok || y.Seq > old.Seq {
			newest[y.Signer] = y
		}
	}
	v := &YankView{Threshold: rule.Threshold, Signers: []string{}}
	var latest store.Yank
	for signer, y := range newest {
		if y.Kind != dag.KindYank {
			continue
		}
		v.Signers = append(v.Signers, signer)
		if latest.Signer == "" || y.Created.After(latest.Created) || (y.Created.Equal(latest.Created) && y.Signer < latest.Signer) {
			latest = y
		}
	}
	v.Reason = latest.Reason
	holders := map[string]bool{}
	for _, k := range v.Signers {
		h, err := Holder(ctx, st, k)
		if err != nil {
			return nil, err
		}
		holders[h] = true
	}
	v.Holders = len(holders)
	switch {
	case len(v.Signers) == 0:
		return nil, nil
	case v.Holders >= rule.Threshold:
		v.Status = YankYanked
	default:
		v.Status = YankPending
	}
	slices.Sort(v.Signers)
	return v, nil
}

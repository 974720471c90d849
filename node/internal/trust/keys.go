package trust

import (
	"slices"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
)

// TrustsKey reports whether pol lists did for name (in any role).
func TrustsKey(pol *sign.Policy, name dag.Name, did string) bool {
	rule := pol.RuleFor(name)
	if rule == nil {
		return false
	}
	ok, _ := rule.Trusts(did, "")
	return ok
}

// PatternTrusts reports whether pol names did in a rule whose pattern
// overlaps p: the keys whose logs a mirror of p follows.
func PatternTrusts(pol *sign.Policy, p sign.Pattern, did string) bool {
	for _, rule := range pol.Rules {
		if slices.Contains(rule.Keys, did) && rule.Pattern.Overlaps(p) {
			return true
		}
	}
	return false
}

// KeyLister lists a repo's own keys (sign.KeyStore).
type KeyLister interface {
	List() ([]string, error)
	Get(name string) (*sign.Key, error)
}

// FollowedKeys returns the keys whose publisher logs a repo follows: its own
// keys, and every key its policy names in some rule (docs/logs.md §3).
func FollowedKeys(pol *sign.Policy, own KeyLister) (map[string]bool, error) {
	set := map[string]bool{}
	for _, rule := range pol.Rules {
		for _, k := range rule.Keys {
			set[k] = true
		}
	}
	names, err := own.List()
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if k, err := own.Get(name); err == nil {
			set[k.DID()] = true
		}
	}
	return set, nil
}

// Vouches reports whether s is a signature that makes metadata set meta of
// a package named name worth keeping: it signs meta, verifies, and its
// signer is a key the policy lists for name. Fetches and imports keep only
// the metadata sets that have one; the others are anyone's and cost the
// repo space (docs/network.md §8, docs/bundles.md).
func Vouches(pol *sign.Policy, name dag.Name, meta cid.Cid, s *dag.Signature) bool {
	rule := pol.RuleFor(name)
	return rule != nil && s.Subject.Equals(meta) && slices.Contains(rule.Keys, s.Signer) && sign.VerifySignature(s) == nil
}

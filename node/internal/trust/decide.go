package trust

import (
	"context"
	"errors"
	"slices"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// claim is one signed statement that signer published pkg as name@version:
// an entry of signer's log as held, or one side of a proof of equivocation
// (the other entry of a fork is kept only as evidence).
type claim struct {
	signer string
	seq    uint64
	entry  cid.Cid
	pkg    cid.Cid
}

// decision is how a name@version stands under the rule that selects its
// name (docs/trust.md §5): which packages its claims name, by which keys the
// rule lists, and which of them meet the rule's threshold.
type decision struct {
	rule *sign.Rule
	// keys are, per package claimed, the distinct keys of the rule whose
	// claims of it count, in the order packages were first claimed.
	keys  map[cid.Cid][]string
	order []cid.Cid
	// holders are, per package claimed, the distinct holders of those
	// keys (Holder): what the threshold counts.
	holders map[cid.Cid][]string
	// met are the packages whose keys meet the rule's threshold: one
	// resolves the name; two or more are an equivocation of the rule.
	met []cid.Cid
	// untrusted are the signers of claims the rule does not list; refused
	// those of claims signed only in roles the rule does not allow.
	untrusted, refused []string
	// revoked are the rule's keys with claims after their revocation;
	// rotated those with claims at or after their log's rotation (a fork
	// of the log: the rotation ends it).
	revoked, rotated []string
	// disputes are proofs between packages that both meet the threshold;
	// evidence the other proofs about the name@version between keys the
	// rule lists (against the key of the side below the threshold).
	disputes, evidence []sign.Equivocation
}

// decide gathers the claims about ref and weighs them under pol.
func decide(ctx context.Context, st Index, pol *sign.Policy, ref dag.Ref) (*decision, error) {
	d := &decision{rule: pol.RuleFor(ref.Name), keys: map[cid.Cid][]string{}, holders: map[cid.Cid][]string{}}
	held, err := st.Claims(ctx, ref.Name.String(), ref.Version)
	if err != nil {
		return nil, err
	}
	all, err := st.AllEvidence(ctx)
	if err != nil {
		return nil, err
	}
	var proofs []sign.Equivocation
	for _, ev := range all {
		if ev.Name == ref.Name.String() && ev.Version == ref.Version {
			proofs = append(proofs, ev)
		}
	}
	var claims []claim
	for _, cl := range held {
		entry, err := claimEntry(ctx, st, cl)
		if err != nil {
			return nil, err
		}
		claims = append(claims, claim{signer: cl.Signer, seq: cl.Seq, entry: entry, pkg: cl.Package})
	}
	for _, ev := range proofs {
		for i := range 2 {
			c := claim{signer: ev.Signers[i], seq: ev.Seqs[i], entry: ev.Entries[i], pkg: ev.Packages[i]}
			if !slices.ContainsFunc(claims, func(o claim) bool { return o.entry.Equals(c.entry) }) {
				claims = append(claims, c)
			}
		}
	}
	revokedFrom, rotatedAt := map[string]uint64{}, map[string]uint64{}
	for _, c := range claims {
		if d.rule == nil || !slices.Contains(d.rule.Keys, c.signer) {
			if !slices.Contains(d.untrusted, c.signer) {
				d.untrusted = append(d.untrusted, c.signer)
			}
			continue
		}
		from, seen := revokedFrom[c.signer]
		if !seen {
			if from, err = RevokedFrom(ctx, st, c.signer); err != nil {
				return nil, err
			}
			revokedFrom[c.signer] = from
		}
		if from != 0 && c.seq >= from {
			if !slices.Contains(d.revoked, c.signer) {
				d.revoked = append(d.revoked, c.signer)
			}
			continue // said after the key was revoked
		}
		at, seen := rotatedAt[c.signer]
		if !seen {
			switch rot, err := st.Rotation(ctx, c.signer); {
			case err == nil:
				at = rot.Seq
			case !errors.Is(err, store.ErrNotFound):
				return nil, err
			}
			rotatedAt[c.signer] = at
		}
		if at != 0 && c.seq >= at {
			if !slices.Contains(d.rotated, c.signer) {
				d.rotated = append(d.rotated, c.signer)
			}
			continue // said where the log ends in a rotation: a fork by the old key
		}
		ok, err := roleCounts(ctx, st, d.rule, c)
		if err != nil {
			return nil, err
		}
		if !ok {
			if !slices.Contains(d.refused, c.signer) {
				d.refused = append(d.refused, c.signer)
			}
			continue
		}
		if _, seen := d.keys[c.pkg]; !seen {
			d.order = append(d.order, c.pkg)
		}
		if !slices.Contains(d.keys[c.pkg], c.signer) {
			d.keys[c.pkg] = append(d.keys[c.pkg], c.signer)
		}
		h, err := Holder(ctx, st, c.signer)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(d.holders[c.pkg], h) {
			d.holders[c.pkg] = append(d.holders[c.pkg], h)
		}
	}
	for _, p := range d.order {
		if len(d.holders[p]) >= d.rule.Threshold {
			d.met = append(d.met, p)
		}
	}
	for _, ev := range proofs {
		switch {
		case len(d.met) > 1 && slices.ContainsFunc(d.met, ev.Packages[0].Equals) && slices.ContainsFunc(d.met, ev.Packages[1].Equals) && !ev.Packages[0].Equals(ev.Packages[1]):
			d.disputes = append(d.disputes, ev)
		case d.rule != nil && slices.Contains(d.rule.Keys, ev.Signers[0]) && slices.Contains(d.rule.Keys, ev.Signers[1]):
			d.evidence = append(d.evidence, ev)
		}
	}
	if len(d.met) > 1 && len(d.disputes) == 0 {
		// The packages meet the rule through claims no single stored proof
		// pairs: the two first claims are a proof too.
		d.disputes = append(d.disputes, d.proofBetween(claims, d.met[0], d.met[1], ref))
	}
	return d, nil
}

// best returns the package the most counted keys claim; undefined if none.
func (d *decision) best() cid.Cid {
	best := cid.Undef
	for _, p := range d.order {
		if !best.Defined() || len(d.holders[p]) > len(d.holders[best]) {
			best = p
		}
	}
	return best
}

// proofBetween makes the proof that claims name both a and b as ref.
func (d *decision) proofBetween(claims []claim, a, b cid.Cid, ref dag.Ref) sign.Equivocation {
	ev := sign.Equivocation{Kind: sign.EquivocationConflict, Name: ref.Name.String(), Version: ref.Version}
	for i, p := range []cid.Cid{a, b} {
		j := slices.IndexFunc(claims, func(c claim) bool { return c.pkg.Equals(p) && slices.Contains(d.keys[p], c.signer) })
		c := claims[j]
		ev.Signers[i], ev.Seqs[i], ev.Entries[i], ev.Packages[i] = c.signer, c.seq, c.entry, c.pkg
	}
	return ev
}

// roleCounts reports whether claim c counts under rule's roles: when the
// rule names roles, the signatures c's entry names that are held here and
// made by c's signer must include one in an allowed role. A claim whose
// signatures are not held yet counts: the package's verification, which
// needs them, checks the roles again.
func roleCounts(ctx context.Context, st Index, rule *sign.Rule, c claim) (bool, error) {
	if len(rule.Roles) == 0 {
		return true, nil
	}
	data, err := st.Block(ctx, c.entry)
	if store.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	e, err := dag.DecodeLogEntry(data)
	if err != nil {
		return false, nil
	}
	seen := false
	for _, sc := range e.Signatures {
		data, err := st.Block(ctx, sc)
		if store.IsNotFound(err) {
			continue
		}
		if err != nil {
			return false, err
		}
		s, err := dag.DecodeSignature(data)
		if err != nil || s.Signer != c.signer {
			continue
		}
		seen = true
		if _, roleOK := rule.Trusts(s.Signer, s.Role); roleOK {
			return true, nil
		}
	}
	return !seen, nil
}

// claimEntry returns the log entry that makes cl: the record's, or, for a
// record written before records kept it, the signer's log's entry cl.Seq.
func claimEntry(ctx context.Context, st Index, cl store.Claim) (cid.Cid, error) {
	if cl.Entry.Defined() {
		return cl.Entry, nil
	}
	return st.LogEntry(ctx, cl.Signer, cl.Seq)
}

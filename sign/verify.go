package sign

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cairnpkg/cairn/dag"
	"github.com/ipfs/go-cid"
)

// MaxProvenanceDepth bounds how far Verify follows inputs.
const MaxProvenanceDepth = 64

// Source is what Verify reads: blocks by CID and the referrers index.
// node's repo implements it; so can a CAR file or a test's map.
type Source interface {
	// Block returns the bytes stored under c, or an error wrapping ErrNotFound.
	// Verify checks the bytes against c itself.
	Block(ctx context.Context, c cid.Cid) ([]byte, error)
	// Referrers returns the CIDs of the nodes that claim c as their subject
	// (metadata sets of a package, signatures of a metadata set).
	Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error)
}

// LogSource is a Source that also holds publisher logs and the proofs of
// equivocation found in them (a node's store). Verify asks it, for every
// package of the chain, whether the package's name@version is disputed (then
// the package is invalid, CodeEquivocation, and the packages made from it
// untrusted), and, where the rule requires log inclusion, whether each
// signer's log names the signature (else the signature does not count,
// CodeNotLogged). A plain Source has no logs: under a rule that requires
// them, no signature it holds counts.
type LogSource interface {
	Source
	// Disputes returns the proofs that name@version is disputed under pol
	// (two packages each claimed by enough trusted keys to meet the rule),
	// and the other proofs about it against keys pol trusts for name
	// (evidence that does not dispute it).
	Disputes(ctx context.Context, pol *Policy, name dag.Name, version string) (disputes, evidence []Equivocation, err error)
	// Logged says whether signer's publisher log, as held, has an entry that
	// names signature sig of package pkg, and whether the key was revoked
	// from that entry on.
	Logged(ctx context.Context, signer string, pkg, sig cid.Cid) (LogState, error)
}

// HolderSource is a Source that knows rotations: Holder returns the key that
// holds signer's trust now (the end of its chain of rotations). Signatures
// by a key and by the keys it rotated to count once toward a threshold.
type HolderSource interface {
	Holder(ctx context.Context, signer string) (string, error)
}

// LogState is what a signer's publisher log says of a signature.
type LogState int

const (
	// NotLogged: no entry of the signer's log names the signature.
	NotLogged LogState = iota
	// Logged: an entry names it, before any revocation of the key.
	Logged
	// Revoked: only entries at or after the key's revocation name it.
	Revoked
)

// Verify judges the package pkg against the policy: every metadata set that names
// it, every signature on each, and, following the inputs of trusted metadata sets,
// every package of its provenance chain. It returns an error only when it cannot
// read (ctx cancelled, I/O failure) or pkg itself is not a package in src; every
// other problem is a verdict in the report.
func Verify(ctx context.Context, src Source, pol *Policy, pkg cid.Cid) (*Report, error) {
	if pol == nil {
		pol = &Policy{Version: PolicyVersion} // no rules: nothing is trusted
	}
	v := &verifier{src: src, pol: pol, done: map[cid.Cid]*Report{}, active: map[cid.Cid]bool{}}
	data, err := src.Block(ctx, pkg)
	if err != nil {
		return nil, err
	}
	if err := dag.CheckBlock(pkg, data); err != nil {
		return nil, err
	}
	if _, err := dag.DecodePackage(data); err != nil {
		return nil, fmt.Errorf("%s is not a package: %w", pkg, err)
	}
	return v.pkg(ctx, pkg, 0)
}

type verifier struct {
	src    Source
	pol    *Policy
	done   map[cid.Cid]*Report
	active map[cid.Cid]bool
}

func (v *verifier) pkg(ctx context.Context, c cid.Cid, depth int) (*Report, error) {
	if r, ok := v.done[c]; ok {
		return r, nil
	}
	r := &Report{CID: c, Metadata: []MetadataReport{}}
	switch {
	case v.active[c]:
		return r.fail(Invalid, CodeCycle, "the provenance chain comes back to this package"), nil
	case depth > MaxProvenanceDepth:
		return r.fail(Untrusted, CodeTooDeep, fmt.Sprintf("provenance chain deeper than %d", MaxProvenanceDepth)), nil
	}
	v.active[c] = true
	defer delete(v.active, c)

	p, code, reason, err := load(ctx, v.src, c, dag.DecodePackage)
	if err != nil {
		return nil, err
	}
	if code != CodeOK {
		v.done[c] = r.fail(statusOf(code), code, reason.Error())
		return r, nil
	}
	r.Name, r.Version = p.Name.String(), p.Version
	rule := v.pol.RuleFor(p.Name)
	if rule != nil {
		r.Rule, r.Threshold = string(rule.Pattern), rule.Threshold
	}

	refs, err := v.src.Referrers(ctx, c)
	if err != nil {
		return nil, err
	}
	var inputs []cid.Cid
	trusted := 0
	for _, mc := range refs {
		mr, err := v.metadata(ctx, c, mc, rule)
		if err != nil {
			return nil, err
		}
		if mr.Status == Valid {
			trusted++
			inputs = appendNew(inputs, mr.Inputs...)
		}
		r.Metadata = append(r.Metadata, mr)
	}
	switch {
	case rule == nil:
		r.fail(Untrusted, CodeNoRule, fmt.Sprintf("no policy rule selects %s (add one with cairn trust add)", p.Name))
	case len(r.Metadata) == 0:
		r.fail(Untrusted, CodeNoMetadata, "no metadata set names this package, so nothing is signed")
	case trusted == 0:
		codes := make([]Code, len(r.Metadata))
		for i, m := range r.Metadata {
			codes[i] = m.Code
		}
		code := common(codes, CodeBelowThreshold)
		r.fail(statusOf(code), code, summarize(r.Metadata))
	default:
		r.Status = Valid
	}
	if ls, ok := v.src.(LogSource); ok {
		disputes, evidence, err := ls.Disputes(ctx, v.pol, p.Name, p.Version)
		if err != nil {
			return nil, err
		}
		r.Evidence = evidence
		r.AddEquivocations(disputes)
	}
	for _, in := range inputs {
		ir, err := v.pkg(ctx, in, depth+1)
		if err != nil {
			return nil, err
		}
		r.Inputs = append(r.Inputs, ir)
		if ir.Status != Valid && r.Status == Valid {
			r.fail(Untrusted, CodeInputUntrusted, fmt.Sprintf("input %s (%s) is %s: %s", in, orUnknown(ir.Name+"@"+ir.Version), ir.Status, ir.Reason))
		}
	}
	v.done[c] = r
	return r, nil
}

func (v *verifier) metadata(ctx context.Context, pkg, c cid.Cid, rule *Rule) (MetadataReport, error) {
	mr := MetadataReport{CID: c, Signatures: []SignatureReport{}}
	m, code, reason, err := load(ctx, v.src, c, dag.DecodeMetadataSet)
	if err != nil {
		return mr, err
	}
	if code != CodeOK {
		mr.Status, mr.Code, mr.Reason = statusOf(code), code, reason.Error()
		return mr, nil
	}
	created := m.Created
	mr.Kind, mr.Created, mr.Inputs = m.Kind, &created, m.Inputs
	if !m.Subject.Equals(pkg) {
		mr.Status, mr.Code = Invalid, CodeSubjectMismatch
		mr.Reason = fmt.Sprintf("metadata set names package %s, not %s: it was attached to the wrong package", m.Subject, pkg)
		return mr, nil
	}
	refs, err := v.src.Referrers(ctx, c)
	if err != nil {
		return mr, err
	}
	signers := map[string]bool{}
	for _, sc := range refs {
		sr, err := v.signature(ctx, pkg, c, sc, rule)
		if err != nil {
			return mr, err
		}
		if sr.Status != Valid {
			mr.Signatures = append(mr.Signatures, sr)
			continue
		}
		holder := sr.Signer
		if hs, ok := v.src.(HolderSource); ok {
			if holder, err = hs.Holder(ctx, sr.Signer); err != nil {
				return mr, err
			}
		}
		if !signers[holder] {
			signers[holder] = true
			mr.Valid++
		}
		mr.Signatures = append(mr.Signatures, sr)
	}
	need := 1
	if rule != nil {
		need = rule.Threshold
	}
	switch {
	case len(mr.Signatures) == 0:
		mr.Status, mr.Code, mr.Reason = Untrusted, CodeBelowThreshold, "not signed"
	case rule == nil:
		mr.Status, mr.Code, mr.Reason = Untrusted, CodeNoRule, "no policy rule selects the package"
	case mr.Valid < need:
		codes := make([]Code, len(mr.Signatures))
		for i, s := range mr.Signatures {
			codes[i] = s.Code
		}
		mr.Code = common(codes, CodeBelowThreshold)
		mr.Status = statusOf(mr.Code)
		mr.Reason = fmt.Sprintf("%d of %d required signatures from trusted keys", mr.Valid, need)
	default:
		mr.Status = Valid
	}
	return mr, nil
}

func (v *verifier) signature(ctx context.Context, pkg, meta, c cid.Cid, rule *Rule) (SignatureReport, error) {
	sr := SignatureReport{CID: c}
	s, code, reason, err := load(ctx, v.src, c, dag.DecodeSignature)
	if err != nil {
		return sr, err
	}
	if code != CodeOK {
		sr.Status, sr.Code, sr.Reason = statusOf(code), code, reason.Error()
		return sr, nil
	}
	created := s.Created
	sr.Signer, sr.Role, sr.Created = s.Signer, s.Role, &created
	if !s.Subject.Equals(meta) {
		sr.Status, sr.Code = Invalid, CodeSubjectMismatch
		sr.Reason = fmt.Sprintf("signature covers metadata set %s, not %s", s.Subject, meta)
		return sr, nil
	}
	if err := VerifySignature(s); err != nil {
		sr.Status, sr.Reason = Invalid, err.Error()
		switch {
		case errors.Is(err, ErrUnknownAlg):
			sr.Code = CodeUnknownAlg
		case errors.Is(err, ErrInvalidDID):
			sr.Code = CodeBadSigner
		default:
			sr.Code = CodeBadSignature
			sr.Reason += ": the signature was made over other bytes (tampered, or replayed from another metadata set)"
		}
		return sr, nil
	}
	if rule == nil {
		sr.Status, sr.Code, sr.Reason = Untrusted, CodeNoRule, "no policy rule selects the package"
		return sr, nil
	}
	keyOK, roleOK := rule.Trusts(s.Signer, s.Role)
	switch {
	case !keyOK:
		sr.Status, sr.Code = Untrusted, CodeUntrustedKey
		sr.Reason = fmt.Sprintf("key is not trusted for %s by the policy", rule.Pattern)
	case !roleOK:
		sr.Status, sr.Code = Untrusted, CodeRoleNotAllowed
		sr.Reason = fmt.Sprintf("role %q is not one of %s allowed for %s", s.Role, strings.Join(rule.Roles, ", "), rule.Pattern)
	default:
		state := NotLogged
		if ls, ok := v.src.(LogSource); ok {
			if state, err = ls.Logged(ctx, s.Signer, pkg, c); err != nil {
				return sr, err
			}
		}
		switch {
		case state == Revoked:
			sr.Status, sr.Code = Untrusted, CodeRevokedKey
			sr.Reason = "the key was revoked from the log entry that names this signature on (or, not named by its log, it is the signature of a revoked key)"
		case state == NotLogged && rule.LogRequired():
			sr.Status, sr.Code = Untrusted, CodeNotLogged
			sr.Reason = fmt.Sprintf("the signer's publisher log does not name this signature, and the rule for %s requires it (require_log): fetch or import the signer's log", rule.Pattern)
		default:
			sr.Status = Valid
		}
	}
	return sr, nil
}

// load reads, hash-checks and decodes one node. A node that is absent or unusable
// is a verdict: a non-OK code with the reason that explains it. A read that fails
// (ctx ended, an I/O error) is not: it is returned as err, and Verify returns it.
func load[T any](ctx context.Context, src Source, c cid.Cid, decode func([]byte) (T, error)) (n T, code Code, reason, err error) {
	var zero T
	data, err := src.Block(ctx, c)
	switch {
	case ctx.Err() != nil:
		return zero, CodeMissing, nil, ctx.Err()
	case errors.Is(err, ErrNotFound):
		return zero, CodeMissing, fmt.Errorf("%s is not in the repo", c), nil
	case err != nil:
		return zero, CodeMissing, nil, fmt.Errorf("read %s: %w", c, err)
	}
	if err := dag.CheckBlock(c, data); err != nil {
		if !errors.Is(err, dag.ErrHashMismatch) { // a CID Cairn does not accept
			return zero, CodeMalformed, err, nil
		}
		return zero, CodeCorrupt, fmt.Errorf("stored bytes do not hash to %s: the block was altered", c), nil
	}
	n, err = decode(data)
	if err != nil {
		return zero, CodeMalformed, err, nil
	}
	return n, CodeOK, nil, nil
}

func (r *Report) fail(s Status, c Code, reason string) *Report {
	r.Status, r.Code, r.Reason = s, c, reason
	return r
}

// statusOf is the one rule from a code to a status, at every level: codes that
// prove bytes wrong (corrupt, malformed, forged, replayed, misattached, looping)
// are Invalid; the others (missing, not trusted, not enough) are Untrusted.
func statusOf(c Code) Status {
	switch c {
	case CodeOK:
		return Valid
	case CodeCorrupt, CodeMalformed, CodeSubjectMismatch, CodeBadSignature,
		CodeUnknownAlg, CodeBadSigner, CodeCycle, CodeEquivocation:
		return Invalid
	}
	return Untrusted
}

// common returns the code all of codes share, so that one cause (a replayed
// signature, an untrusted key) names the verdict above it; else fallback.
func common(codes []Code, fallback Code) Code {
	if len(codes) == 0 || codes[0] == CodeOK {
		return fallback
	}
	for _, c := range codes[1:] {
		if c != codes[0] {
			return fallback
		}
	}
	return codes[0]
}

// summarize explains why none of a package's metadata sets is trusted.
func summarize(ms []MetadataReport) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		parts = append(parts, fmt.Sprintf("metadata set %s: %s (%s)", m.CID, m.Reason, m.Code))
	}
	return "no metadata set is trusted: " + strings.Join(parts, "; ")
}

func appendNew(list []cid.Cid, cs ...cid.Cid) []cid.Cid {
	for _, c := range cs {
		if !slices.ContainsFunc(list, c.Equals) {
			list = append(list, c)
		}
	}
	return list
}

func orUnknown(ref string) string {
	if ref == "@" {
		return "unknown package"
	}
	return ref
}

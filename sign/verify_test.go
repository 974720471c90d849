package sign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
)

// world is a memSource, a policy and the helpers to fill them.
type world struct {
	t   *testing.T
	src *memSource
	pol *Policy
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return &world{t: t, src: newMemSource(), pol: &Policy{Version: PolicyVersion}}
}

// trust adds a rule for pattern with the keys' DIDs.
func (w *world) trust(pattern Pattern, threshold int, roles []string, keys ...*Key) {
	w.t.Helper()
	r := Rule{Pattern: pattern, Threshold: threshold, Roles: roles}
	for _, k := range keys {
		r.Keys = append(r.Keys, k.DID())
	}
	w.pol.Rules = append(w.pol.Rules, r)
	if err := w.pol.Validate(); err != nil {
		w.t.Fatal(err)
	}
}

// put stores a node under its CID.
func (w *world) put(n interface {
	Encode() ([]byte, cid.Cid, error)
}) cid.Cid {
	w.t.Helper()
	b, c := dagtest.MustEncode(w.t, n)
	w.src.Put(c, b)
	return c
}

// pkg stores the package name@version.
func (w *world) pkg(ref string) cid.Cid {
	w.t.Helper()
	name, version, _ := strings.Cut(ref, "@")
	return w.put(dagtest.Package(w.t, name, version, []byte(ref)))
}

func (w *world) metaNode(subject cid.Cid, inputs ...cid.Cid) *dag.MetadataSet {
	return &dag.MetadataSet{Subject: subject, Kind: dag.KindBuild, Entries: dagtest.Entries(w.t), Inputs: inputs, Created: dagtest.Time()}
}

// meta stores a build metadata set of subject and attaches it to subject.
func (w *world) meta(subject cid.Cid, inputs ...cid.Cid) cid.Cid {
	w.t.Helper()
	c := w.put(w.metaNode(subject, inputs...))
	w.src.AddReferrer(subject, c)
	return c
}

// sign stores k's signature over meta in role and attaches it to meta.
func (w *world) sign(k *Key, meta cid.Cid, role string) (cid.Cid, *dag.Signature) {
	w.t.Helper()
	return w.signAt(k, meta, role, dagtest.Time())
}

func (w *world) signAt(k *Key, meta cid.Cid, role string, at time.Time) (cid.Cid, *dag.Signature) {
	w.t.Helper()
	s, err := Sign(k, meta, role, at)
	if err != nil {
		w.t.Fatal(err)
	}
	c := w.put(s)
	w.src.AddReferrer(meta, c)
	return c, s
}

// signed stores a package with one metadata set signed by k as publisher.
func (w *world) signed(ref string, k *Key, inputs ...cid.Cid) (pkg, meta cid.Cid) {
	w.t.Helper()
	pkg = w.pkg(ref)
	meta = w.meta(pkg, inputs...)
	w.sign(k, meta, dag.RolePublisher)
	return pkg, meta
}

// verify runs Verify, failing the test on an error or if it does not return.
func (w *world) verify(c cid.Cid) *Report {
	w.t.Helper()
	r, err := verifyTimeout(w.t, context.Background(), w.src, w.pol, c)
	if err != nil {
		w.t.Fatalf("Verify(%s): %v", c, err)
	}
	if r == nil {
		w.t.Fatal("Verify returned no report and no error")
	}
	if !r.CID.Equals(c) {
		w.t.Errorf("report CID %s, want %s", r.CID, c)
	}
	return r
}

func verifyTimeout(t *testing.T, ctx context.Context, src Source, pol *Policy, c cid.Cid) (*Report, error) {
	t.Helper()
	type result struct {
		r   *Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := Verify(ctx, src, pol, c)
		done <- result{r, err}
	}()
	select {
	case res := <-done:
		return res.r, res.err
	case <-time.After(10 * time.Second):
		t.Fatal("Verify did not return within 10s (a loop?)")
		return nil, nil
	}
}

// verdict checks one level's status, code and reason: a non-valid verdict has a
// reason that mentions each of mentions.
func verdict(t *testing.T, what string, status Status, code Code, reason string, wantStatus Status, wantCode Code, mentions ...string) {
	t.Helper()
	if status != wantStatus || code != wantCode {
		t.Errorf("%s: %s (%s), want %s (%s); reason: %s", what, status, code, wantStatus, wantCode, reason)
	}
	if wantStatus == Valid {
		if code != CodeOK || reason != "" {
			t.Errorf("%s: a valid verdict with code %q, reason %q", what, code, reason)
		}
		return
	}
	if reason == "" {
		t.Errorf("%s: %s verdict without a reason", what, status)
	}
	for _, m := range mentions {
		if !strings.Contains(reason, m) {
			t.Errorf("%s: reason %q does not mention %q", what, reason, m)
		}
	}
}

func pkgVerdict(t *testing.T, r *Report, s Status, c Code, mentions ...string) {
	t.Helper()
	verdict(t, "package "+r.Name, r.Status, r.Code, r.Reason, s, c, mentions...)
	if r.Trusted() != (s == Valid) {
		t.Errorf("Trusted() = %v with status %s", r.Trusted(), r.Status)
	}
}

// onlyMeta returns the report's one metadata report.
func onlyMeta(t *testing.T, r *Report) MetadataReport {
	t.Helper()
	if len(r.Metadata) != 1 {
		t.Fatalf("%d metadata reports, want 1: %+v", len(r.Metadata), r.Metadata)
	}
	return r.Metadata[0]
}

func metaVerdict(t *testing.T, m MetadataReport, s Status, c Code, mentions ...string) {
	t.Helper()
	verdict(t, "metadata "+m.CID.String(), m.Status, m.Code, m.Reason, s, c, mentions...)
}

func onlySig(t *testing.T, m MetadataReport) SignatureReport {
	t.Helper()
	if len(m.Signatures) != 1 {
		t.Fatalf("%d signature reports, want 1: %+v", len(m.Signatures), m.Signatures)
	}
	return m.Signatures[0]
}

func sigVerdict(t *testing.T, s SignatureReport, st Status, c Code, mentions ...string) {
	t.Helper()
	verdict(t, "signature "+s.CID.String(), s.Status, s.Code, s.Reason, st, c, mentions...)
}

// a. One trusted signature, threshold 1.
func TestVerifyValid(t *testing.T) {
	w := newWorld(t)
	k := testKey(t, 1)
	w.trust("acme/*", 1, nil, k)
	p := w.pkg("acme/hello@1.0.0")
	m := w.meta(p)
	s, _ := w.sign(k, m, dag.RolePublisher)

	r := w.verify(p)
	pkgVerdict(t, r, Valid, CodeOK)
	if r.Name != "acme/hello" || r.Version != "1.0.0" || r.Rule != "acme/*" || r.Threshold != 1 {
		t.Errorf("report header %+v", r)
	}
	mr := onlyMeta(t, r)
	metaVerdict(t, mr, Valid, CodeOK)
	if !mr.CID.Equals(m) || mr.Kind != dag.KindBuild || mr.Created == nil || !mr.Created.Equal(dagtest.Time()) || mr.Valid != 1 {
		t.Errorf("metadata report %+v", mr)
	}
	sr := onlySig(t, mr)
	sigVerdict(t, sr, Valid, CodeOK)
	if !sr.CID.Equals(s) || sr.Signer != k.DID() || sr.Role != dag.RolePublisher || sr.Created == nil || !sr.Created.Equal(dagtest.Time()) {
		t.Errorf("signature report %+v", sr)
	}
	if len(r.Inputs) != 0 {
		t.Errorf("inputs %+v", r.Inputs)
	}
	// The report is what `cairn verify --json` prints.
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"status":"valid"`, p.String(), m.String(), s.String(), k.DID()} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("JSON report lacks %s: %s", want, js)
		}
	}
}

// A package is trusted when one of its metadata sets is, whatever else is attached.
func TestVerifyOneTrustedMetadataSuffices(t *testing.T) {
	w := newWorld(t)
	k, stranger := testKey(t, 1), testKey(t, 3)
	w.trust("acme/*", 1, nil, k)
	p := w.pkg("acme/hello@1.0.0")
	// Junk an attacker may attach: an unsigned set, a set signed by a stranger,
	// a referrer that is not in the source, a referrer that is a package.
	unsigned := w.put(&dag.MetadataSet{Subject: p, Kind: dag.KindLicense, Created: dagtest.Time()})
	w.src.AddReferrer(p, unsigned)
	strange := w.put(&dag.MetadataSet{Subject: p, Kind: dag.KindReview, Created: dagtest.Time()})
	w.src.AddReferrer(p, strange)
	w.sign(stranger, strange, dag.RoleAuditor)
	_, absent := dagtest.MustEncode(t, &dag.MetadataSet{Subject: p, Kind: "absent", Created: dagtest.Time()})
	w.src.AddReferrer(p, absent)
	other := w.pkg("acme/other@1.0.0")
	w.src.AddReferrer(p, other)
	good := w.meta(p)
	w.sign(k, good, dag.RolePublisher)

	r := w.verify(p)
	pkgVerdict(t, r, Valid, CodeOK)
	byCID := map[cid.Cid]MetadataReport{}
	for _, m := range r.Metadata {
		byCID[m.CID] = m
	}
	if len(byCID) != 5 {
		t.Fatalf("%d metadata reports, want 5", len(byCID))
	}
	metaVerdict(t, byCID[unsigned], Untrusted, CodeBelowThreshold, "not signed")
	metaVerdict(t, byCID[strange], Untrusted, CodeUntrustedKey, "0 of 1")
	metaVerdict(t, byCID[absent], Untrusted, CodeMissing, absent.String())
	metaVerdict(t, byCID[other], Invalid, CodeMalformed)
	metaVerdict(t, byCID[good], Valid, CodeOK)
}

// b. The stored bytes of the metadata set do not match its CID.
func TestVerifyCorruptMetadata(t *testing.T) {
	w := newWorld(t)
	k := testKey(t, 1)
	w.trust("acme/*", 1, nil, k)
	p := w.pkg("acme/hello@1.0.0")
	m := w.meta(p)
	w.sign(k, m, dag.RolePublisher)
	orig, err := w.src.Block(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	// Every byte, one bit at a time and replaced outright.
	for i := range orig {
		for _, mut := range []func(byte) byte{func(b byte) byte { return b ^ 1 }, func(b byte) byte { return b ^ 0x80 }, func(b byte) byte { return ^b }} {
			bad := bytes.Clone(orig)
			bad[i] = mut(bad[i])
			w.src.Put(m, bad)
			r := w.verify(p)
			if t.Failed() {
				return
			}
			pkgVerdict(t, r, Invalid, CodeCorrupt, m.String())
			mr := onlyMeta(t, r)
			metaVerdict(t, mr, Invalid, CodeCorrupt, m.String(), "altered")
			if len(mr.Signatures) != 0 || mr.Valid != 0 {
				t.Errorf("byte %d: signatures of a corrupt metadata set were counted: %+v", i, mr)
			}
			if t.Failed() {
				t.Fatalf("byte %d changed", i)
			}
		}
	}
	// Truncated and extended.
	for _, bad := range [][]byte{orig[:len(orig)-1], append(bytes.Clone(orig), 0), nil} {
		w.src.Put(m, bad)
		r := w.verify(p)
		pkgVerdict(t, r, Invalid, CodeCorrupt)
		metaVerdict(t, onlyMeta(t, r), Invalid, CodeCorrupt)
	}
	w.src.Put(m, orig)
	pkgVerdict(t, w.verify(p), Valid, CodeOK)
}

func TestVerifyCorruptSignature(t *testing.T) {
	w := newWorld(t)
	k := testKey(t, 1)
	w.trust("acme/*", 1, nil, k)
	p := w.pkg("acme/hello@1.0.0")
	m := w.meta(p)
	s, sig := w.sign(k, m, dag.RolePublisher)
	b, _ := dagtest.MustEncode(t, sig)
	bad := bytes.Clone(b)
	bad[len(bad)-1] ^= 1
	w.src.Put(s, bad)

	r := w.verify(p)
	pkgVerdict(t, r, Invalid, CodeCorrupt)
	mr := onlyMeta(t, r)
	metaVerdict(t, mr, Invalid, CodeCorrupt, "0 of 1")
	sigVerdict(t, onlySig(t, mr), Invalid, CodeCorrupt, s.String())
}

func TestVerifyMalformedSignatureNode(t *testing.T) {
	// A referrer of the metadata set whose bytes match its CID but are no signature.
	w := newWorld(t)
	k := testKey(t, 1)
	w.trust("acme/*", 1, nil, k)
	p := w.pkg("acme/hello@1.0.0")
	m := w.meta(p)
	w.src.AddReferrer(m, p)
	r := w.verify(p)
	pkgVerdict(t, r, Invalid, CodeMalformed)
	sigVerdict(t, onlySig(t, onlyMeta(t, r)), Invalid, CodeMalformed)
}

// c. A metadata set attached to a package it does not name.
func TestVerifySwappedMetadata(t *testing.T) {
	w := newWorld(t)
	k := testKey(t, 1)
	w.trust("acme/*", 1, nil, k)
	p, m := w.signed("acme/hello@1.0.0", k)
	p2 := w.pkg("acme/hello@2.0.0")
	w.src.AddReferrer(p2, m)

	r := w.verify(p2)
	pkgVerdict(t, r, Invalid, CodeSubjectMismatch, m.String())
	mr := onlyMeta(t, r)
	metaVerdict(t, mr, Invalid, CodeSubjectMismatch, p.String(), p2.String())
	if mr.Valid != 0 || len(mr.Signatures) != 0 {
		t.Errorf("signatures of a swapped metadata set were counted: %+v", mr)
	}
	// P itself is untouched.
	pkgVerdict(t, w.verify(p), Valid, CodeOK)
}

// c, variant: the attacker rewrites the subject and re-points a copy of the signature.
func TestVerifyForgedMetadataCopy(t *testing.T) {
	w := newWorld(t)
	k := testKey(t, 1)
	w.trust("acme/*", 1, nil, k)
	p := w.pkg("acme/hello@1.0.0")
	m := w.meta(p)
	_, sig := w.sign(k, m, dag.RolePublisher)

	p2 := w.pkg("acme/hello@2.0.0")
	m2 := w.meta(p2) // same kind, entries, created; subject P2
	forged := *sig
	forged.Subject = m2
	fc := w.put(&forged)
	w.src.AddReferrer(m2, fc)

	r := w.verify(p2)
	pkgVerdict(t, r, Invalid, CodeBadSignature)
	mr := onlyMeta(t, r)
	metaVerdict(t, mr, Invalid, CodeBadSignature, "0 of 1")
	sr := onlySig(t, mr)
	sigVerdict(t, sr, Invalid, CodeBadSignature, "does not verify")
	if sr.Signer != k.DID() {
		t.Errorf("the report should name the claimed signer: %+v", sr)
	}
}

// d. A signature replayed from another metadata set.
func TestVerifyReplayedSignature(t *testing.T) {
	k := testKey(t, 1)
	setup := func(t *testing.T) (w *world, p, m1, m2, s cid.Cid, sig *dag.Signature) {
		w = newWorld(t)
		w.trust("acme/*", 1, nil, k)
		p = w.pkg("acme/hello@1.0.0")
		m1 = w.put(w.metaNode(p))
		s, sig = w.sign(k, m1, dag.RolePublisher)
		m2 = w.put(&dag.MetadataSet{Subject: p, Kind: dag.KindLicense, Entries: dagtest.Entries(t), Created: dagtest.Time()})
		w.src.AddReferrer(p, m2)
		return
	}
	t.Run("copy with subject changed", func(t *testing.T) {
		w, p, _, m2, _, sig := setup(t)
		replay := *sig
		replay.Subject = m2
		rc := w.put(&replay)
		w.src.AddReferrer(m2, rc)
		r := w.verify(p)
		pkgVerdict(t, r, Invalid, CodeBadSignature)
		mr := onlyMeta(t, r)
		metaVerdict(t, mr, Invalid, CodeBadSignature)
		sigVerdict(t, onlySig(t, mr), Invalid, CodeBadSignature, "replayed")
	})
	t.Run("original attached to another set", func(t *testing.T) {
		w, p, m1, m2, s, _ := setup(t)
		w.src.AddReferrer(m2, s)
		r := w.verify(p)
		pkgVerdict(t, r, Invalid, CodeSubjectMismatch)
		mr := onlyMeta(t, r)
		metaVerdict(t, mr, Invalid, CodeSubjectMismatch)
		sigVerdict(t, onlySig(t, mr), Invalid, CodeSubjectMismatch, m1.String(), m2.String())
	})
	t.Run("replay does not spoil a good set", func(t *testing.T) {
		w, p, m1, m2, s, _ := setup(t)
		w.src.AddReferrer(p, m1)
		w.src.AddReferrer(m2, s)
		r := w.verify(p)
		pkgVerdict(t, r, Valid, CodeOK)
		for _, mr := range r.Metadata {
			switch {
			case mr.CID.Equals(m1):
				metaVerdict(t, mr, Valid, CodeOK)
			case mr.CID.Equals(m2):
				metaVerdict(t, mr, Invalid, CodeSubjectMismatch)
			}
		}
	})
}

// e. A valid signature by a key the policy does not list.
func TestVerifyUntrustedKey(t *testing.T) {
	w := newWorld(t)
	trusted, stranger := testKey(t, 1), testKey(t, 3)
	w.trust("acme/*", 1, nil, trusted)
	w.trust("other/*", 1, nil, stranger) // trusted elsewhere, not here
	p, _ := w.signed("acme/hello@1.0.0", stranger)
	r := w.verify(p)
	pkgVerdict(t, r, Untrusted, CodeUntrustedKey)
	mr := onlyMeta(t, r)
	metaVerdict(t, mr, Untrusted, CodeUntrustedKey, "0 of 1")
	sr := onlySig(t, mr)
	sigVerdict(t, sr, Untrusted, CodeUntrustedKey, "acme/*")
	if sr.Signer != stranger.DID() {
		t.Errorf("signer %s", sr.Signer)
	}
}

// f. Thresholds.
func TestVerifyThreshold(t *testing.T) {
	k1, k2, k3 := testKey(t, 1), testKey(t, 2), testKey(t, 3)
	setup := func(t *testing.T) (*world, cid.Cid, cid.Cid) {
		w := newWorld(t)
		w.trust("acme/*", 2, nil, k1, k2)
		p := w.pkg("acme/hello@1.0.0")
		return w, p, w.meta(p)
	}
	t.Run("one of two", func(t *testing.T) {
		w, p, m := setup(t)
		w.sign(k1, m, dag.RolePublisher)
		r := w.verify(p)
		pkgVerdict(t, r, Untrusted, CodeBelowThreshold, "1 of 2")
		if r.Threshold != 2 {
			t.Errorf("threshold %d", r.Threshold)
		}
		mr := onlyMeta(t, r)
		metaVerdict(t, mr, Untrusted, CodeBelowThreshold, "1 of 2")
		sigVerdict(t, onlySig(t, mr), Valid, CodeOK)
	})
	t.Run("two distinct signers", func(t *testing.T) {
		w, p, m := setup(t)
		w.sign(k1, m, dag.RolePublisher)
		w.sign(k2, m, dag.RoleBuilder)
		r := w.verify(p)
		pkgVerdict(t, r, Valid, CodeOK)
		if mr := onlyMeta(t, r); mr.Valid != 2 || len(mr.Signatures) != 2 {
			t.Errorf("metadata report %+v", mr)
		}
	})
	t.Run("same key twice counts once", func(t *testing.T) {
		w, p, m := setup(t)
		w.sign(k1, m, dag.RolePublisher)
		w.signAt(k1, m, dag.RolePublisher, dagtest.Time().Add(time.Hour)) // another node
		w.sign(k1, m, dag.RoleBuilder)                                    // another role
		r := w.verify(p)
		pkgVerdict(t, r, Untrusted, CodeBelowThreshold, "1 of 2")
		mr := onlyMeta(t, r)
		if mr.Valid != 1 || len(mr.Signatures) != 3 {
			t.Errorf("Valid = %d of %d signatures, want 1 of 3", mr.Valid, len(mr.Signatures))
		}
		for _, s := range mr.Signatures {
			sigVerdict(t, s, Valid, CodeOK)
		}
	})
	t.Run("same signature node twice counts once", func(t *testing.T) {
		w, p, m := setup(t)
		s, _ := w.sign(k1, m, dag.RolePublisher)
		w.src.AddReferrer(m, s)
		r := w.verify(p)
		pkgVerdict(t, r, Untrusted, CodeBelowThreshold, "1 of 2")
		if mr := onlyMeta(t, r); mr.Valid != 1 {
			t.Errorf("Valid = %d", mr.Valid)
		}
	})
	t.Run("trusted plus stranger", func(t *testing.T) {
		w, p, m := setup(t)
		w.sign(k1, m, dag.RolePublisher)
		w.sign(k3, m, dag.RolePublisher)
		r := w.verify(p)
		pkgVerdict(t, r, Untrusted, CodeBelowThreshold, "1 of 2")
	})
	t.Run("signatures on two sets do not add up", func(t *testing.T) {
		w, p, m := setup(t)
		w.sign(k1, m, dag.RolePublisher)
		m2 := w.put(&dag.MetadataSet{Subject: p, Kind: dag.KindLicense, Created: dagtest.Time()})
		w.src.AddReferrer(p, m2)
		w.sign(k2, m2, dag.RolePublisher)
		r := w.verify(p)
		pkgVerdict(t, r, Untrusted, CodeBelowThreshold, "1 of 2")
	})
}

// g. A listed key in a role the rule does not allow.
func TestVerifyRoleNotAllowed(t *testing.T) {
	w := newWorld(t)
	k := testKey(t, 1)
	w.trust("acme/*", 1, []string{dag.RolePublisher, dag.RoleAuditor}, k)
	p := w.pkg("acme/hello@1.0.0")
	m := w.meta(p)
	w.sign(k, m, dag.RoleBuilder)
	r := w.verify(p)
	pkgVerdict(t, r, Untrusted, CodeRoleNotAllowed)
	mr := onlyMeta(t, r)
	metaVerdict(t, mr, Untrusted, CodeRoleNotAllowed)
	sigVerdict(t, onlySig(t, mr), Untrusted, CodeRoleNotAllowed, `"builder"`, "publisher")

	// The same key in an allowed role is trusted.
	w.sign(k, m, dag.RoleAuditor)
	pkgVerdict(t, w.verify(p), Valid, CodeOK)
}

// h. No rule, no metadata, no signature.
func TestVerifyNoRuleNoMetadata(t *testing.T) {
	k := testKey(t, 1)
	t.Run("no rule", func(t *testing.T) {
		w := newWorld(t)
		w.trust("other/*", 1, nil, k)
		w.trust("acme/hello-not", 1, nil, k)
		p, _ := w.signed("acme/hello@1.0.0", k)
		r := w.verify(p)
		pkgVerdict(t, r, Untrusted, CodeNoRule, "acme/hello")
		if r.Rule != "" || r.Threshold != 0 {
			t.Errorf("rule %q threshold %d without a rule", r.Rule, r.Threshold)
		}
		mr := onlyMeta(t, r)
		metaVerdict(t, mr, Untrusted, CodeNoRule)
		sigVerdict(t, onlySig(t, mr), Untrusted, CodeNoRule)
	})
	t.Run("no rule, bad signature", func(t *testing.T) {
		// A signature that does not verify is invalid whatever the policy.
		w := newWorld(t)
		p := w.pkg("acme/hello@1.0.0")
		m := w.meta(p)
		_, sig := w.sign(k, m, dag.RolePublisher)
		bad := *sig
		bad.Sig = bytes.Clone(sig.Sig)
		bad.Sig[0] ^= 1
		w.src.AddReferrer(m, w.put(&bad))
		r := w.verify(p)
		pkgVerdict(t, r, Untrusted, CodeNoRule)
		mr := onlyMeta(t, r)
		for _, s := range mr.Signatures {
			if s.Code != CodeNoRule && s.Code != CodeBadSignature {
				t.Errorf("signature %+v", s)
			}
		}
	})
	t.Run("no metadata", func(t *testing.T) {
		w := newWorld(t)
		w.trust("acme/*", 1, nil, k)
		p := w.pkg("acme/hello@1.0.0")
		r := w.verify(p)
		pkgVerdict(t, r, Untrusted, CodeNoMetadata, "no metadata")
		if r.Metadata == nil || len(r.Metadata) != 0 {
			t.Errorf("metadata %#v, want an empty list", r.Metadata)
		}
	})
	t.Run("no metadata and no rule", func(t *testing.T) {
		// No rule says the most: nothing could make the package trusted.
		w := newWorld(t)
		p := w.pkg("acme/hello@1.0.0")
		pkgVerdict(t, w.verify(p), Untrusted, CodeNoRule)
	})
	t.Run("no signature", func(t *testing.T) {
		w := newWorld(t)
		w.trust("acme/*", 1, nil, k)
		p := w.pkg("acme/hello@1.0.0")
		w.meta(p)
		r := w.verify(p)
		pkgVerdict(t, r, Untrusted, CodeBelowThreshold, "not signed")
		metaVerdict(t, onlyMeta(t, r), Untrusted, CodeBelowThreshold, "not signed")
	})
	t.Run("most specific rule decides", func(t *testing.T) {
		// "*" trusts k, but acme/hello's own rule lists only another key.
		w := newWorld(t)
		w.trust("*", 1, nil, k)
		w.trust("acme/hello", 1, nil, testKey(t, 2))
		p, _ := w.signed("acme/hello@1.0.0", k)
		r := w.verify(p)
		pkgVerdict(t, r, Untrusted, CodeUntrustedKey)
		if r.Rule != "acme/hello" {
			t.Errorf("rule %q, want acme/hello", r.Rule)
		}
		q, _ := w.signed("acme/tools@1.0.0", k)
		pkgVerdict(t, w.verify(q), Valid, CodeOK)
	})
}

// i. Provenance: S2 was repacked from S1, which was optimized from S0.
func TestVerifyProvenance(t *testing.T) {
	trusted, stranger := testKey(t, 1), testKey(t, 3)
	type chain struct {
		w          *world
		s0, s1, s2 cid.Cid
	}
	build := func(t *testing.T, s0Signer *Key) chain {
		w := newWorld(t)
		w.trust("acme/*", 1, nil, trusted)
		s0, _ := w.signed("acme/hello-src@1.0.0", s0Signer)
		s1, _ := w.signed("acme/hello-opt@1.0.0", trusted, s0)
		s2, _ := w.signed("acme/hello@1.0.0", trusted, s1)
		return chain{w, s0, s1, s2}
	}
	// input returns the one input report of r.
	input := func(t *testing.T, r *Report) *Report {
		t.Helper()
		if len(r.Inputs) != 1 {
			t.Fatalf("%s has %d input reports, want 1", r.Name, len(r.Inputs))
		}
		return r.Inputs[0]
	}

	t.Run("all trusted", func(t *testing.T) {
		c := build(t, trusted)
		r := c.w.verify(c.s2)
		pkgVerdict(t, r, Valid, CodeOK)
		if m := onlyMeta(t, r); len(m.Inputs) != 1 || !m.Inputs[0].Equals(c.s1) {
			t.Errorf("metadata inputs %v, want [%s]", m.Inputs, c.s1)
		}
		r1 := input(t, r)
		if !r1.CID.Equals(c.s1) || r1.Name != "acme/hello-opt" {
			t.Errorf("input report %s %s", r1.CID, r1.Name)
		}
		pkgVerdict(t, r1, Valid, CodeOK)
		r0 := input(t, r1)
		if !r0.CID.Equals(c.s0) || r0.Name != "acme/hello-src" {
			t.Errorf("input of input %s %s", r0.CID, r0.Name)
		}
		pkgVerdict(t, r0, Valid, CodeOK)
		if len(r0.Inputs) != 0 {
			t.Errorf("the source build has inputs: %+v", r0.Inputs)
		}
	})
	t.Run("source signed by an untrusted key", func(t *testing.T) {
		c := build(t, stranger)
		r := c.w.verify(c.s2)
		pkgVerdict(t, r, Untrusted, CodeInputUntrusted, c.s1.String(), "acme/hello-opt@1.0.0", string(CodeUntrustedKey))
		r1 := input(t, r)
		pkgVerdict(t, r1, Untrusted, CodeInputUntrusted, c.s0.String(), "acme/hello-src@1.0.0", string(CodeUntrustedKey))
		r0 := input(t, r1)
		pkgVerdict(t, r0, Untrusted, CodeUntrustedKey)
		sigVerdict(t, onlySig(t, onlyMeta(t, r0)), Untrusted, CodeUntrustedKey, "key is not trusted")
		// The top verdict carries S0's own reason down the chain.
		if !strings.Contains(r.Reason, r0.Reason) || !strings.Contains(r1.Reason, r0.Reason) {
			t.Errorf("S0's reason %q is not in S1's %q or S2's %q", r0.Reason, r1.Reason, r.Reason)
		}
		// S2's own signatures are fine: only the chain fails.
		metaVerdict(t, onlyMeta(t, r), Valid, CodeOK)
		// And S0 verified alone says why.
		pkgVerdict(t, c.w.verify(c.s0), Untrusted, CodeUntrustedKey)
	})
	t.Run("source disputed by a proof of equivocation", func(t *testing.T) {
		c := build(t, trusted)
		proof := Equivocation{Kind: EquivocationFork, Name: "acme/hello-src", Version: "1.0.0",
			Signers: [2]string{trusted.DID(), trusted.DID()}, Seqs: [2]uint64{1, 1}}
		src := disputed{c.w.src, map[string][]Equivocation{"acme/hello-src@1.0.0": {proof}}}
		r, err := verifyTimeout(t, context.Background(), src, c.w.pol, c.s2)
		if err != nil {
			t.Fatal(err)
		}
		pkgVerdict(t, r, Untrusted, CodeInputUntrusted, c.s1.String())
		r1 := input(t, r)
		pkgVerdict(t, r1, Untrusted, CodeInputUntrusted, c.s0.String(), string(CodeEquivocation))
		r0 := input(t, r1)
		pkgVerdict(t, r0, Invalid, CodeEquivocation)
		if len(r0.Equivocations) != 1 || len(r.Equivocations) != 0 {
			t.Errorf("proofs: source %d, top %d; want 1 and 0", len(r0.Equivocations), len(r.Equivocations))
		}
		// Its signatures are fine: only the name is disputed.
		metaVerdict(t, onlyMeta(t, r0), Valid, CodeOK)
	})
	t.Run("missing input", func(t *testing.T) {
		w := newWorld(t)
		w.trust("acme/*", 1, nil, trusted)
		_, ghost := dagtest.MustEncode(t, dagtest.Package(t, "acme/ghost", "1.0.0", []byte("ghost")))
		s1, _ := w.signed("acme/hello-opt@1.0.0", trusted, ghost)
		s2, _ := w.signed("acme/hello@1.0.0", trusted, s1)
		r := w.verify(s2)
		pkgVerdict(t, r, Untrusted, CodeInputUntrusted)
		r1 := input(t, r)
		pkgVerdict(t, r1, Untrusted, CodeInputUntrusted, ghost.String(), "unknown package")
		rg := input(t, r1)
		pkgVerdict(t, rg, Untrusted, CodeMissing, ghost.String(), "not in the repo")
		if !rg.CID.Equals(ghost) {
			t.Errorf("missing input report CID %s", rg.CID)
		}
	})
	t.Run("corrupt input", func(t *testing.T) {
		c := build(t, trusted)
		c.w.src.Put(c.s0, []byte("not the package"))
		r := c.w.verify(c.s2)
		pkgVerdict(t, r, Untrusted, CodeInputUntrusted)
		pkgVerdict(t, input(t, input(t, r)), Invalid, CodeCorrupt)
	})
	t.Run("input with no rule", func(t *testing.T) {
		w := newWorld(t)
		w.trust("acme/*", 1, nil, trusted)
		lib, _ := w.signed("vendor/lib@1.0.0", trusted)
		p, _ := w.signed("acme/hello@1.0.0", trusted, lib)
		r := w.verify(p)
		pkgVerdict(t, r, Untrusted, CodeInputUntrusted, "vendor/lib@1.0.0")
		pkgVerdict(t, input(t, r), Untrusted, CodeNoRule)
	})
	t.Run("inputs of untrusted sets are not followed", func(t *testing.T) {
		w := newWorld(t)
		w.trust("acme/*", 1, nil, trusted)
		_, ghost := dagtest.MustEncode(t, dagtest.Package(t, "acme/ghost", "1.0.0", []byte("ghost")))
		p := w.pkg("acme/hello@1.0.0")
		bogus := w.put(&dag.MetadataSet{Subject: p, Kind: "bogus", Inputs: []cid.Cid{ghost}, Created: dagtest.Time()})
		w.src.AddReferrer(p, bogus)
		w.sign(stranger, bogus, dag.RolePublisher)
		good := w.meta(p)
		w.sign(trusted, good, dag.RolePublisher)
		r := w.verify(p)
		pkgVerdict(t, r, Valid, CodeOK)
		if len(r.Inputs) != 0 {
			t.Errorf("followed the inputs of an untrusted set: %+v", r.Inputs)
		}
	})
	t.Run("diamond", func(t *testing.T) {
		w := newWorld(t)
		w.trust("acme/*", 1, nil, trusted)
		d, _ := w.signed("acme/d@1.0.0", trusted)
		b, _ := w.signed("acme/b@1.0.0", trusted, d)
		c, _ := w.signed("acme/c@1.0.0", trusted, d)
		a, _ := w.signed("acme/a@1.0.0", trusted, b, c, b) // b listed twice
		r := w.verify(a)
		pkgVerdict(t, r, Valid, CodeOK)
		if len(r.Inputs) != 2 {
			t.Fatalf("%d inputs, want 2 (b once, c)", len(r.Inputs))
		}
		for _, in := range r.Inputs {
			pkgVerdict(t, in, Valid, CodeOK)
			if len(in.Inputs) != 1 || !in.Inputs[0].CID.Equals(d) {
				t.Errorf("%s inputs %+v", in.Name, in.Inputs)
			}
		}
	})
	t.Run("cycle", func(t *testing.T) {
		w := newWorld(t)
		w.trust("acme/*", 1, nil, trusted)
		s0 := w.pkg("acme/hello-src@1.0.0")
		s1 := w.pkg("acme/hello-opt@1.0.0")
		s2 := w.pkg("acme/hello@1.0.0")
		for _, e := range []struct{ p, in cid.Cid }{{s0, s2}, {s1, s0}, {s2, s1}} {
			w.sign(trusted, w.meta(e.p, e.in), dag.RolePublisher)
		}
		for _, start := range []cid.Cid{s0, s1, s2} {
			r := w.verify(start)
			pkgVerdict(t, r, Untrusted, CodeInputUntrusted, "provenance chain")
			// Walk down to where the chain comes back to the start.
			cur := r
			for range 3 {
				cur = input(t, cur)
			}
			if !cur.CID.Equals(start) {
				t.Fatalf("three steps from %s lead to %s", start, cur.CID)
			}
			pkgVerdict(t, cur, Invalid, CodeCycle, "comes back")
			if len(cur.Inputs) != 0 {
				t.Error("the cycle report has inputs")
			}
		}
	})
	t.Run("self cycle", func(t *testing.T) {
		w := newWorld(t)
		w.trust("acme/*", 1, nil, trusted)
		p := w.pkg("acme/hello@1.0.0")
		w.sign(trusted, w.meta(p, p), dag.RolePublisher)
		r := w.verify(p)
		pkgVerdict(t, r, Untrusted, CodeInputUntrusted)
		pkgVerdict(t, input(t, r), Invalid, CodeCycle)
	})
	t.Run("too deep", func(t *testing.T) {
		w := newWorld(t)
		w.trust("acme/*", 1, nil, trusted)
		var prev []cid.Cid
		var top cid.Cid
		n := MaxProvenanceDepth + 2
		for i := range n {
			top, _ = w.signed(fmt.Sprintf("acme/p%d@1.0.0", i), trusted, prev...)
			prev = []cid.Cid{top}
		}
		r := w.verify(top)
		pkgVerdict(t, r, Untrusted, CodeInputUntrusted)
		cur, depth := r, 0
		for len(cur.Inputs) > 0 {
			cur, depth = cur.Inputs[0], depth+1
		}
		pkgVerdict(t, cur, Untrusted, CodeTooDeep, fmt.Sprint(MaxProvenanceDepth))
		if depth != MaxProvenanceDepth+1 {
			t.Errorf("stopped at depth %d, want %d", depth, MaxProvenanceDepth+1)
		}
		// A chain of exactly MaxProvenanceDepth+1 packages is fine.
		mid := r.Inputs[0]
		pkgVerdict(t, w.verify(mid.CID), Valid, CodeOK)
	})
}

// j. What Verify refuses to judge.
func TestVerifyErrors(t *testing.T) {
	w := newWorld(t)
	k := testKey(t, 1)
	w.trust("acme/*", 1, nil, k)
	p, m := w.signed("acme/hello@1.0.0", k)
	s := w.src.refs[m][0]
	_, absent := dagtest.MustEncode(t, dagtest.Package(t, "acme/absent", "1.0.0", nil))
	corrupt := w.pkg("acme/corrupt@1.0.0")
	w.src.Put(corrupt, []byte("garbage"))
	raw, err := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: 0x12, MhLength: -1}.Sum([]byte("raw"))
	if err != nil {
		t.Fatal(err)
	}
	w.src.Put(raw, []byte("raw"))
	for _, tc := range []struct {
		name string
		c    cid.Cid
		want error
	}{
		{"not in the source", absent, ErrNotFound},
		{"undefined cid", cid.Undef, ErrNotFound},
		{"metadata set", m, dag.ErrWrongKind},
		{"signature", s, dag.ErrWrongKind},
		{"corrupt package block", corrupt, dag.ErrHashMismatch},
		{"raw block", raw, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := verifyTimeout(t, context.Background(), w.src, w.pol, tc.c)
			if err == nil {
				t.Fatalf("Verify = %+v, want an error", r)
			}
			if r != nil {
				t.Errorf("Verify returned a report with its error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Verify error %v, want one wrapping %v", err, tc.want)
			}
		})
	}
	// The package itself is fine.
	pkgVerdict(t, w.verify(p), Valid, CodeOK)
}

// faultySource wraps a Source: it fails reading chosen CIDs, and counts reads.
type faultySource struct {
	Source
	blockErr map[cid.Cid]error
	refsErr  map[cid.Cid]error
	reads    atomic.Int64
	// onRead, if set, runs before each read with the read's number (from 1).
	onRead func(n int64)
}

func (f *faultySource) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	n := f.reads.Add(1)
	if f.onRead != nil {
		f.onRead(n)
	}
	if err := f.blockErr[c]; err != nil {
		return nil, err
	}
	return f.Source.Block(ctx, c)
}

func (f *faultySource) Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error) {
	n := f.reads.Add(1)
	if f.onRead != nil {
		f.onRead(n)
	}
	if err := f.refsErr[c]; err != nil {
		return nil, err
	}
	return f.Source.Referrers(ctx, c)
}

// An I/O failure is an error, not a verdict: Verify cannot judge what it cannot read.
func TestVerifyReadErrors(t *testing.T) {
	trusted := testKey(t, 1)
	w := newWorld(t)
	w.trust("acme/*", 1, nil, trusted)
	s0, m0 := w.signed("acme/hello-src@1.0.0", trusted)
	p, m := w.signed("acme/hello@1.0.0", trusted, s0)
	s := w.src.refs[m][0]
	diskErr := errors.New("disk on fire")
	for _, tc := range []struct {
		name     string
		blockErr map[cid.Cid]error
		refsErr  map[cid.Cid]error
	}{
		{"package block", map[cid.Cid]error{p: diskErr}, nil},
		{"metadata block", map[cid.Cid]error{m: diskErr}, nil},
		{"signature block", map[cid.Cid]error{s: diskErr}, nil},
		{"input block", map[cid.Cid]error{s0: diskErr}, nil},
		{"input's metadata block", map[cid.Cid]error{m0: diskErr}, nil},
		{"package referrers", nil, map[cid.Cid]error{p: diskErr}},
		{"metadata referrers", nil, map[cid.Cid]error{m: diskErr}},
		{"input referrers", nil, map[cid.Cid]error{s0: diskErr}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &faultySource{Source: w.src, blockErr: tc.blockErr, refsErr: tc.refsErr}
			r, err := verifyTimeout(t, context.Background(), src, w.pol, p)
			if !errors.Is(err, diskErr) {
				t.Fatalf("Verify = %+v, %v; want the read error", r, err)
			}
			if r != nil {
				t.Error("a report with the error")
			}
		})
	}
	pkgVerdict(t, w.verify(p), Valid, CodeOK)
}

// k. Cancellation.
func TestVerifyCancelled(t *testing.T) {
	trusted := testKey(t, 1)
	w := newWorld(t)
	w.trust("acme/*", 1, nil, trusted)
	s0, _ := w.signed("acme/hello-src@1.0.0", trusted)
	s1, _ := w.signed("acme/hello-opt@1.0.0", trusted, s0)
	p, m := w.signed("acme/hello@1.0.0", trusted, s1)
	w.sign(testKey(t, 2), m, dag.RoleAuditor)

	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r, err := verifyTimeout(t, ctx, w.src, w.pol, p)
		if !errors.Is(err, context.Canceled) || r != nil {
			t.Fatalf("Verify(cancelled) = %+v, %v; want context.Canceled", r, err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		if r, err := verifyTimeout(t, ctx, w.src, w.pol, p); !errors.Is(err, context.DeadlineExceeded) || r != nil {
			t.Fatalf("Verify(expired) = %+v, %v", r, err)
		}
	})

	// Count the reads of a full run, then cancel at each read in turn: every run
	// must end with the context's error, never with a partial report.
	counter := &faultySource{Source: w.src}
	full, err := verifyTimeout(t, context.Background(), counter, w.pol, p)
	if err != nil {
		t.Fatal(err)
	}
	pkgVerdict(t, full, Valid, CodeOK)
	total := counter.reads.Load()
	if total < 10 {
		t.Fatalf("only %d reads for a chain of three packages", total)
	}
	for at := int64(1); at <= total; at++ {
		ctx, cancel := context.WithCancel(context.Background())
		src := &faultySource{Source: w.src, onRead: func(n int64) {
			if n == at {
				cancel()
			}
		}}
		r, err := verifyTimeout(t, ctx, src, w.pol, p)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled at read %d of %d: Verify = %+v, %v; want context.Canceled", at, total, r, err)
		}
	}
}

// The verdict does not depend on the order the source lists referrers in.
func TestVerifyReferrerOrder(t *testing.T) {
	k1, k2, k3 := testKey(t, 1), testKey(t, 2), testKey(t, 3)
	for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}} {
		w := newWorld(t)
		w.trust("acme/*", 2, nil, k1, k2)
		p := w.pkg("acme/hello@1.0.0")
		m := w.meta(p)
		keys := []*Key{k1, k2, k3}
		for _, i := range order {
			w.sign(keys[i], m, dag.RolePublisher)
		}
		r := w.verify(p)
		pkgVerdict(t, r, Valid, CodeOK)
		if mr := onlyMeta(t, r); mr.Valid != 2 {
			t.Errorf("order %v: Valid = %d", order, mr.Valid)
		}
	}
}

// disputed is a memSource that also holds proofs of equivocation, by
// name@version.
type disputed struct {
	*memSource
	proofs map[string][]Equivocation
}

func (d disputed) Disputes(_ context.Context, _ *Policy, name dag.Name, version string) (_, _ []Equivocation, _ error) {
	return d.proofs[name.String()+"@"+version], nil, nil
}

// Logged and Disputes pass through to the wrapped LogSource.
func (f *faultySource) Logged(ctx context.Context, signer string, pkg, sig cid.Cid) (LogState, error) {
	return f.Source.(LogSource).Logged(ctx, signer, pkg, sig)
}

func (f *faultySource) Disputes(ctx context.Context, pol *Policy, name dag.Name, version string) (_, _ []Equivocation, _ error) {
	return f.Source.(LogSource).Disputes(ctx, pol, name, version)
}

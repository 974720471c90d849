package dag

import (
	"errors"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
)

// testEvent returns entry 2 of a log, of kind k, with the fields k needs.
func testEvent(t *testing.T, k string) *LogEntry {
	t.Helper()
	e := &LogEntry{Kind: k, Signer: testSigner, Seq: 2, Prev: testNodeCID(t, "previous entry"), Created: testTime, Sig: testSig()}
	name, _ := ParseName("acme/hello")
	switch k {
	case KindYank:
		e.Name, e.Version, e.Package, e.Reason = name, "1.0.0", testNodeCID(t, "package"), "broken build"
	case KindUnyank:
		e.Name, e.Version = name, "1.0.0"
	case KindRotate:
		e.Key, e.KeySig = "did:key:z6MkNext", testSig()
	case KindRevoke:
		e.Revocation, e.Reason = testNodeCID(t, "revocation"), "key compromised"
	}
	return e
}

// TestLogEventValidate: each kind needs its fields and takes no other;
// reasons may be up to MaxReasonLength bytes of printable text.
func TestLogEventValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind string
		edit func(e *LogEntry)
		want error
	}{
		{"yank", KindYank, func(*LogEntry) {}, nil},
		{"unyank", KindUnyank, func(*LogEntry) {}, nil},
		{"rotate", KindRotate, func(*LogEntry) {}, nil},
		{"revoke", KindRevoke, func(*LogEntry) {}, nil},
		{"yank without package", KindYank, func(e *LogEntry) { e.Package = cid.Undef }, ErrInvalidField},
		{"unyank with a package", KindUnyank, func(e *LogEntry) { e.Package = testNodeCID(t, "package") }, ErrInvalidField},
		{"rotate to itself", KindRotate, func(e *LogEntry) { e.Key = e.Signer }, ErrInvalidField},
		{"rotate with a reason", KindRotate, func(e *LogEntry) { e.Reason = "why" }, ErrInvalidField},
		{"revoke without revocation", KindRevoke, func(e *LogEntry) { e.Revocation = cid.Undef }, ErrInvalidField},
		{"revoke naming a version", KindRevoke, func(e *LogEntry) { e.Version = "1.0.0" }, ErrInvalidField},
		{"event with signatures", KindYank, func(e *LogEntry) { e.Signatures = append(e.Signatures, e.Package) }, ErrInvalidField},
		{"unknown kind", "bless", func(*LogEntry) {}, ErrInvalidField},
		{"reason of 1024 bytes", KindYank, func(e *LogEntry) { e.Reason = strings.Repeat("r", MaxReasonLength) }, nil},
		{"reason of 1025 bytes", KindYank, func(e *LogEntry) { e.Reason = strings.Repeat("r", MaxReasonLength+1) }, ErrTooLarge},
		{"reason with a terminal escape", KindRevoke, func(e *LogEntry) { e.Reason = "ok\x1b[2J" }, ErrInvalidField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testEvent(t, tc.kind)
			tc.edit(e)
			err := e.Validate()
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Validate: %v, want %v", err, tc.want)
			}
		})
	}
}

// TestRevocationValidate: since from 1, a reason up to MaxReasonLength.
func TestRevocationValidate(t *testing.T) {
	ok := func() *Revocation {
		return &Revocation{Signer: testSigner, Since: 3, Reason: "lost", Created: testTime, Sig: testSig()}
	}
	if err := ok().Validate(); err != nil {
		t.Fatalf("valid revocation: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(r *Revocation)
		want error
	}{
		{"since 0", func(r *Revocation) { r.Since = 0 }, ErrInvalidField},
		{"no signer", func(r *Revocation) { r.Signer = "" }, ErrInvalidField},
		{"long reason", func(r *Revocation) { r.Reason = strings.Repeat("r", MaxReasonLength) }, nil},
		{"too long a reason", func(r *Revocation) { r.Reason = strings.Repeat("r", MaxReasonLength+1) }, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ok()
			tc.edit(r)
			err := r.Validate()
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Validate: %v, want %v", err, tc.want)
			}
		})
	}
}

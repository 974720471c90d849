package sign

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
)

// The things a key signs (docs/formats.md §6, docs/logs.md,
// docs/gossip.md) each start their payload with a domain of their own, so a
// signature made in one domain never verifies in another: a key tricked
// into signing a log entry has not signed a metadata set or an
// announcement, and the other way round.
func TestSignatureDomainsAreSeparate(t *testing.T) {
	k := testKey(t, 1)
	domains := []string{dag.SigningDomain, dag.LogSigningDomain, dag.AnnounceSigningDomain, dag.RotateSigningDomain, dag.RevocationSigningDomain}
	for i, a := range domains {
		if !strings.HasSuffix(a, "\x00") {
			t.Errorf("domain %q does not end with a NUL: one could be a prefix of a payload", a)
		}
		for j, b := range domains {
			if i != j && strings.HasPrefix(b, a) {
				t.Errorf("domain %q is a prefix of %q", a, b)
			}
		}
	}

	type node struct {
		domain  string
		payload func() ([]byte, error)
		setSig  func([]byte)
		verify  func() error
	}
	sig := &dag.Signature{Subject: dagtest.NodeCID(t, "meta"), Signer: k.DID(), Alg: dag.AlgEd25519, Created: dagtest.Time(), Role: dag.RolePublisher}
	entry := &dag.LogEntry{Seq: 1, Signer: k.DID(), Created: dagtest.Time(), Name: dag.Name{Namespace: "acme", Short: "app"}, Version: "1.0.0",
		Package: dagtest.NodeCID(t, "pkg"), Metadata: nil, Signatures: nil}
	ann := &dag.Announcement{Signer: k.DID(), Seq: 1, Head: dagtest.NodeCID(t, "head"), Created: dagtest.Time(), Expires: dagtest.Time().Add(time.Hour)}
	rev := &dag.Revocation{Signer: k.DID(), Since: 1, Created: dagtest.Time()}
	// A rotation from another key to k: k's part is the countersignature.
	rot := &dag.LogEntry{Kind: dag.KindRotate, Seq: 2, Prev: dagtest.NodeCID(t, "prev"), Created: dagtest.Time(), Key: k.DID()}
	if err := SignLogEntry(testKey(t, 2), rot); err != nil {
		t.Fatal(err)
	}
	nodes := []node{
		{dag.RotateSigningDomain, rot.RotatePayload, func(b []byte) { rot.KeySig = b }, func() error { return VerifyLogEntry(rot) }},
		{dag.RevocationSigningDomain, rev.SigningPayload, func(b []byte) { rev.Sig = b }, func() error { return VerifyRevocation(rev) }},
		{dag.SigningDomain, sig.SigningPayload, func(b []byte) { sig.Sig = b }, func() error { return VerifySignature(sig) }},
		{dag.LogSigningDomain, entry.SigningPayload, func(b []byte) { entry.Sig = b }, func() error { return VerifyLogEntry(entry) }},
		{dag.AnnounceSigningDomain, ann.SigningPayload, func(b []byte) { ann.Sig = b }, func() error { return VerifyAnnouncement(ann) }},
	}
	for _, n := range nodes {
		payload, err := n.payload()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(payload, []byte(n.domain)) {
			t.Fatalf("payload %q does not start with its domain %q", payload, n.domain)
		}
		body := payload[len(n.domain):]
		for _, other := range domains {
			// What the key signs when the same body is presented to it in
			// another domain (or in none).
			n.setSig(k.sign(append([]byte(other), body...)))
			err := n.verify()
			if other == n.domain && err != nil {
				t.Errorf("%q: its own domain's signature fails: %v", n.domain, err)
			}
			if other != n.domain && err == nil {
				t.Errorf("a signature made in %q verifies in %q", other, n.domain)
			}
		}
		n.setSig(k.sign(body))
		if n.verify() == nil {
			t.Errorf("a signature over the bare body verifies in %q", n.domain)
		}
	}
	// A real signature of each kind, moved onto a node of another kind with
	// the same signer, does not verify there.
	sigOf := map[string][]byte{}
	for _, n := range nodes {
		p, _ := n.payload()
		sigOf[n.domain] = k.sign(p)
	}
	for _, n := range nodes {
		for d, s := range sigOf {
			if d == n.domain {
				continue
			}
			n.setSig(s)
			if n.verify() == nil {
				t.Errorf("the %q signature verifies on a %q node", d, n.domain)
			}
		}
	}
}

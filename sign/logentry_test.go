package sign

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
)

// goldenLogEntries returns testKey(t, 1)'s first two log entries over fixed
// CIDs at dagtest.Time(): the bytes of docs/logs.md's example.
func goldenLogEntries(t testing.TB) (*dag.LogEntry, *dag.LogEntry) {
	t.Helper()
	meta := mustCID(t, goldenMetadataCID)
	pkg, sig := dagtest.NodeCID(t, "package"), dagtest.NodeCID(t, "signature")
	name, err := dag.ParseName("acme/hello")
	if err != nil {
		t.Fatal(err)
	}
	first := &dag.LogEntry{Seq: 1, Created: dagtest.Time(), Name: name, Version: "1.0.0", Package: pkg,
		Metadata: []cid.Cid{meta}, Signatures: []cid.Cid{sig}}
	if err := SignLogEntry(testKey(t, 1), first); err != nil {
		t.Fatal(err)
	}
	_, firstCID := dagtest.MustEncode(t, first)
	second := &dag.LogEntry{Seq: 2, Prev: firstCID, Created: dagtest.Time(), Name: name, Version: "1.0.0", Package: pkg,
		Signatures: []cid.Cid{sig}}
	if err := SignLogEntry(testKey(t, 1), second); err != nil {
		t.Fatal(err)
	}
	return first, second
}

// goldenEvents returns the entries that follow goldenLogEntries in
// testKey(t, 1)'s log: 3, a yank of acme/hello@1.0.0; 4, a rotation to
// testKey(t, 2), countersigned; and the revocation testKey(t, 1) makes of
// itself from seq 3 on, with the revoke entry that would carry it as entry 5
// of another copy of the log (a revoke cannot follow a rotation): the bytes
// of docs/logs.md §7 and docs/trust.md §6.
func goldenEvents(t testing.TB) (yank, rotate *dag.LogEntry, rev *dag.Revocation, revoke *dag.LogEntry) {
	t.Helper()
	_, second := goldenLogEntries(t)
	_, secondCID := dagtest.MustEncode(t, second)
	k1, k2 := testKey(t, 1), testKey(t, 2)
	yank = &dag.LogEntry{Kind: dag.KindYank, Seq: 3, Prev: secondCID, Created: dagtest.Time(), Name: second.Name, Version: "1.0.0",
		Package: second.Package, Reason: "CVE-2026-0001: the build leaks the signing environment"}
	if err := SignLogEntry(k1, yank); err != nil {
		t.Fatal(err)
	}
	_, yankCID := dagtest.MustEncode(t, yank)
	rotate = &dag.LogEntry{Kind: dag.KindRotate, Seq: 4, Prev: yankCID, Created: dagtest.Time(), Key: k2.DID()}
	if err := SignLogEntry(k1, rotate); err != nil {
		t.Fatal(err)
	}
	if err := CountersignRotation(k2, rotate); err != nil {
		t.Fatal(err)
	}
	rev = &dag.Revocation{Since: 3, Reason: "key leaked in a CI log", Created: dagtest.Time()}
	if err := SignRevocation(k1, rev); err != nil {
		t.Fatal(err)
	}
	_, revCID := dagtest.MustEncode(t, rev)
	revoke = &dag.LogEntry{Kind: dag.KindRevoke, Seq: 4, Prev: yankCID, Created: dagtest.Time(), Revocation: revCID, Reason: rev.Reason}
	if err := SignLogEntry(k1, revoke); err != nil {
		t.Fatal(err)
	}
	return yank, rotate, rev, revoke
}

func goldenAnnouncement(t testing.TB) *dag.Announcement {
	t.Helper()
	_, second := goldenLogEntries(t)
	_, head := dagtest.MustEncode(t, second)
	a := &dag.Announcement{Seq: 2, Head: head, Created: dagtest.Time(), Expires: dagtest.Time().Add(24 * time.Hour),
		Addrs: []string{"/ip4/192.0.2.1/tcp/4501/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"}}
	if err := SignAnnouncement(testKey(t, 1), a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestLogGolden pins the bytes of log entries and announcements: an entry
// published once must keep its CID and keep verifying forever.
func TestLogGolden(t *testing.T) {
	first, second := goldenLogEntries(t)
	b1, c1 := dagtest.MustEncode(t, first)
	b2, c2 := dagtest.MustEncode(t, second)
	ann, err := goldenAnnouncement(t).Encode()
	if err != nil {
		t.Fatal(err)
	}
	yank, rotate, rev, revoke := goldenEvents(t)
	by, _ := dagtest.MustEncode(t, yank)
	bro, _ := dagtest.MustEncode(t, rotate)
	brev, crev := dagtest.MustEncode(t, rev)
	brk, _ := dagtest.MustEncode(t, revoke)
	files := []struct {
		name string
		got  string
	}{
		{"log-entry-1.hex", hex.EncodeToString(b1)}, {"log-entry-1.cid", c1.String()},
		{"log-entry-2.hex", hex.EncodeToString(b2)}, {"log-entry-2.cid", c2.String()},
		{"announcement.hex", hex.EncodeToString(ann)},
		{"log-yank.hex", hex.EncodeToString(by)}, {"log-rotate.hex", hex.EncodeToString(bro)},
		{"revocation.hex", hex.EncodeToString(brev)}, {"revocation.cid", crev.String()},
		{"log-revoke.hex", hex.EncodeToString(brk)},
	}
	for _, f := range files {
		if *update {
			writeGoldenFile(t, f.name, f.got)
		}
		if want := readGoldenFile(t, f.name); f.got != want {
			t.Errorf("%s changed:\n got %s\nwant %s", f.name, f.got, want)
		}
	}
	// The spec shows the same bytes.
	docs := map[string]string{"log-entry-1.hex": "logs.md", "log-entry-2.hex": "logs.md", "announcement.hex": "gossip.md",
		"log-yank.hex": "logs.md", "log-rotate.hex": "logs.md", "log-revoke.hex": "logs.md", "revocation.hex": "trust.md"}
	for file, doc := range docs {
		text, err := os.ReadFile(filepath.Join("..", "docs", doc))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(strings.Fields(string(text)), ""), readGoldenFile(t, file)) {
			t.Errorf("docs/%s does not show the bytes of testdata/%s", doc, file)
		}
	}
	// The golden bytes verify with plain ed25519 over the documented payload.
	raw, err := hex.DecodeString(readGoldenFile(t, "log-entry-2.hex"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := dag.DecodeLogEntry(raw)
	if err != nil {
		t.Fatalf("golden entry does not decode: %v", err)
	}
	if e.Seq != 2 || e.Prev.String() != readGoldenFile(t, "log-entry-1.cid") || e.Signer != testKey(t, 1).DID() {
		t.Errorf("golden entry fields: %+v", e)
	}
	payload, err := e.SigningPayload()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(payload, []byte("cairn-log@1\x00")) || !ed25519.Verify(testKey(t, 1).Public(), payload, e.Sig) {
		t.Error("golden entry's sig does not verify with plain ed25519 over its payload")
	}
	rawAnn, err := hex.DecodeString(readGoldenFile(t, "announcement.hex"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := dag.DecodeAnnouncement(rawAnn)
	if err != nil {
		t.Fatalf("golden announcement does not decode: %v", err)
	}
	if err := VerifyAnnouncement(a); err != nil {
		t.Errorf("golden announcement: %v", err)
	}
	// The events decode and verify, the rotation with both keys.
	for _, f := range []string{"log-yank.hex", "log-rotate.hex", "log-revoke.hex"} {
		raw, err := hex.DecodeString(readGoldenFile(t, f))
		if err != nil {
			t.Fatal(err)
		}
		e, err := dag.DecodeLogEntry(raw)
		if err != nil {
			t.Fatalf("%s does not decode: %v", f, err)
		}
		if err := VerifyLogEntry(e); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	rawRev, err := hex.DecodeString(readGoldenFile(t, "revocation.hex"))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := dag.DecodeRevocation(rawRev); err != nil {
		t.Errorf("golden revocation does not decode: %v", err)
	} else if err := VerifyRevocation(r); err != nil {
		t.Errorf("golden revocation: %v", err)
	}
}

// A rotation verifies only with both signatures: the old key's over the
// entry, and the new key's countersignature.
func TestRotationNeedsBothKeys(t *testing.T) {
	_, rotate, _, _ := goldenEvents(t)
	if err := VerifyLogEntry(rotate); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(e *dag.LogEntry){
		"no countersignature":          func(e *dag.LogEntry) { e.KeySig = nil },
		"countersigned by another key": func(e *dag.LogEntry) { e.KeySig = testKey(t, 3).sign([]byte("x")) },
		"another new key":              func(e *dag.LogEntry) { e.Key = testKey(t, 3).DID() },
		"old signature over the countersignature's domain": func(e *dag.LogEntry) {
			p, _ := e.RotatePayload()
			e.Sig = testKey(t, 1).sign(p)
		},
	} {
		e := *rotate
		e.KeySig = append([]byte(nil), rotate.KeySig...)
		mutate(&e)
		if err := VerifyLogEntry(&e); err == nil {
			t.Errorf("%s: the rotation verifies", name)
		}
	}
	if err := CountersignRotation(testKey(t, 3), rotate); err == nil {
		t.Error("a key the entry does not name countersigned it")
	}
}

func TestLogEntryTamper(t *testing.T) {
	first, second := goldenLogEntries(t)
	if err := VerifyLogEntry(first); err != nil {
		t.Fatalf("VerifyLogEntry(first): %v", err)
	}
	if err := VerifyLogEntry(second); err != nil {
		t.Fatalf("VerifyLogEntry(second): %v", err)
	}
	other := dagtest.NodeCID(t, "metadata")
	cases := map[string]func(e *dag.LogEntry){
		"version":     func(e *dag.LogEntry) { e.Version = "1.0.1" },
		"package":     func(e *dag.LogEntry) { e.Package = other },
		"prev":        func(e *dag.LogEntry) { e.Prev = other },
		"seq":         func(e *dag.LogEntry) { e.Seq = 3 },
		"signatures":  func(e *dag.LogEntry) { e.Signatures = nil },
		"other-key":   func(e *dag.LogEntry) { e.Signer = testKey(t, 2).DID() },
		"flipped-sig": func(e *dag.LogEntry) { e.Sig = append([]byte{e.Sig[0] ^ 1}, e.Sig[1:]...) },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			_, e := goldenLogEntries(t)
			mutate(e)
			if err := VerifyLogEntry(e); !errors.Is(err, ErrBadSignature) {
				t.Errorf("VerifyLogEntry after changing %s = %v, want ErrBadSignature", name, err)
			}
		})
	}
	// An announcement's signature does not verify as a log entry's or back:
	// the domains differ even for the same key.
	a := goldenAnnouncement(t)
	a.Seq = 3
	if err := VerifyAnnouncement(a); !errors.Is(err, ErrBadSignature) {
		t.Errorf("VerifyAnnouncement after changing seq = %v, want ErrBadSignature", err)
	}
}

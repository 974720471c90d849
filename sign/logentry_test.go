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

func goldenAnnouncement(t testing.TB) *dag.Announcement {
	t.Helper()
	_, second := goldenLogEntries(t)
	_, head := dagtest.MustEncode(t, second)
	a := &dag.Announcement{Seq: 2, Head: head, Created: dagtest.Time(),
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
	files := []struct {
		name string
		got  string
	}{
		{"log-entry-1.hex", hex.EncodeToString(b1)}, {"log-entry-1.cid", c1.String()},
		{"log-entry-2.hex", hex.EncodeToString(b2)}, {"log-entry-2.cid", c2.String()},
		{"announcement.hex", hex.EncodeToString(ann)},
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
	docs := map[string]string{"log-entry-1.hex": "logs.md", "log-entry-2.hex": "logs.md", "announcement.hex": "gossip.md"}
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

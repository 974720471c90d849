package dag

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
)

// testLogEntry returns entry seq of a log, with a fixed (not verifying) sig:
// the dag package checks form, the sign package signatures.
func testLogEntry(t testing.TB, seq uint64) *LogEntry {
	t.Helper()
	name, err := ParseName("acme/hello")
	if err != nil {
		t.Fatal(err)
	}
	e := &LogEntry{Signer: testSigner, Seq: seq, Created: testTime, Name: name, Version: "1.0.0",
		Package: testNodeCID(t, "package"), Metadata: []cid.Cid{testNodeCID(t, "metadata")},
		Signatures: []cid.Cid{testNodeCID(t, "signature")}, Sig: testSig()}
	if seq > 1 {
		e.Prev = testNodeCID(t, "previous entry")
	}
	return e
}

func testAnnouncement(t testing.TB) *Announcement {
	t.Helper()
	return &Announcement{Signer: testSigner, Seq: 2, Head: testNodeCID(t, "head"), Created: testTime, Expires: testTime.Add(24 * time.Hour),
		Addrs: []string{"/ip4/192.0.2.1/tcp/4501/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"}, Sig: testSig()}
}

func TestLogEntryRoundTrip(t *testing.T) {
	for _, seq := range []uint64{1, 2, maxSeq} {
		e := testLogEntry(t, seq)
		b, c := mustEncode(t, e)
		back, err := DecodeLogEntry(b)
		if err != nil {
			t.Fatalf("seq %d: %v", seq, err)
		}
		b2, c2 := mustEncode(t, back)
		if string(b2) != string(b) || !c2.Equals(c) {
			t.Errorf("seq %d: round trip changed the bytes", seq)
		}
		if back.Seq != seq || back.Prev.Defined() != (seq > 1) || back.Ref().String() != "acme/hello@1.0.0" {
			t.Errorf("seq %d: decoded %+v", seq, back)
		}
		if k, err := Sniff(c, b); err != nil || k != NodeLogEntry {
			t.Errorf("Sniff = %v, %v", k, err)
		}
	}
}

func TestLogEntryDecodeCases(t *testing.T) {
	base, _ := mustEncode(t, testLogEntry(t, 1))
	cases := commonCases(t, NodeLogEntry, base)
	second, _ := mustEncode(t, testLogEntry(t, 2))
	add := func(name string, data []byte, want error) {
		cases = append(cases, decodeCase{"log/" + name, NodeLogEntry, data, want})
	}
	rawLink := rawCID(t, "x")
	add("entry 2 valid", second, nil)
	add("entry 2 without prev", edit(t, second, delField("prev")), ErrInvalidField)
	add("entry 1 with prev", edit(t, base, setField("prev", testNodeCID(t, "p"))), ErrInvalidField)
	add("seq 0", edit(t, base, setField("seq", int64(0))), ErrInvalidField)
	add("seq negative", edit(t, base, setField("seq", int64(-1))), ErrInvalidField)
	add("seq above 2^53-1", edit(t, second, setField("seq", int64(maxSeq+1))), ErrInvalidField)
	add("prev is content", edit(t, second, setField("prev", rawLink)), ErrInvalidCID)
	add("package is content", edit(t, base, setField("package", rawLink)), ErrInvalidCID)
	add("signature link is content", edit(t, base, setField("signatures", []any{rawLink})), ErrInvalidCID)
	add("bad name", edit(t, base, setField("name", "acme")), ErrInvalidName)
	add("bad version", edit(t, base, setField("version", "1.0")), ErrInvalidVersion)
	add("signer with escape", edit(t, base, setField("signer", "did:key:\x1b[2J")), ErrInvalidField)
	add("unsigned", edit(t, base, setField("sig", []byte{})), ErrInvalidField)
	add("a package node", encodings(t)["package"], ErrWrongKind)
	runDecodeCases(t, cases)
}

func TestLogEntryLimits(t *testing.T) {
	e := testLogEntry(t, 1)
	e.Signatures = make([]cid.Cid, MaxEntryLinks+1)
	for i := range e.Signatures {
		e.Signatures[i] = testNodeCID(t, "s")
	}
	if _, _, err := e.Encode(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Encode with %d signatures = %v, want ErrTooLarge", len(e.Signatures), err)
	}
	if _, err := (&LogEntry{}).SigningPayload(); !errors.Is(err, ErrInvalidField) {
		t.Errorf("SigningPayload of an empty entry = %v, want ErrInvalidField", err)
	}
}

func TestAnnouncementDecode(t *testing.T) {
	a := testAnnouncement(t)
	b, err := a.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeAnnouncement(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Seq != 2 || !back.Head.Equals(a.Head) || len(back.Addrs) != 1 || !back.Created.Equal(testTime) {
		t.Errorf("decoded %+v", back)
	}
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"unknown field", edit(t, b, setField("extra", "x")), ErrMalformed},
		{"seq 0", edit(t, b, setField("seq", int64(0))), ErrInvalidField},
		{"head is content", edit(t, b, setField("head", rawCID(t, "x"))), ErrInvalidCID},
		{"too many addrs", edit(t, b, setField("addrs", []any{"a", "b", "c", "d", "e", "f", "g", "h", "i"})), ErrTooLarge},
		{"oversized", edit(t, b, setField("addrs", []any{strings.Repeat("a", MaxAnnouncementSize)})), ErrTooLarge},
		{"unsigned", edit(t, b, setField("sig", []byte{})), ErrInvalidField},
		{"keys reversed", encAsIs(t, parseMap(t, b).reversed()), ErrNotCanonical},
		{"a log entry", func() []byte { e, _ := mustEncode(t, testLogEntry(t, 1)); return e }(), ErrWrongKind},
		{"empty", nil, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodeAnnouncement(tc.data); !errors.Is(err, tc.want) {
				t.Errorf("DecodeAnnouncement = %v, want %v", err, tc.want)
			}
		})
	}
}

func FuzzDecodeLogEntry(f *testing.F) {
	addSeeds(f)
	for _, seq := range []uint64{1, 2} {
		b, _ := mustEncode(f, testLogEntry(f, seq))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, NodeLogEntry, data, DecodeLogEntry)
	})
}

func FuzzDecodeAnnouncement(f *testing.F) {
	b, err := testAnnouncement(f).Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeAnnouncement(data)
		if err != nil {
			checkSentinel(t, err)
			return
		}
		again, err := a.Encode()
		if err != nil || string(again) != string(data) {
			t.Fatalf("decoded announcement re-encodes to %x, %v; input %x", again, err, data)
		}
	})
}

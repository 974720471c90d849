package dag

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multibase"
	mh "github.com/multiformats/go-multihash"
)

// cborCID returns the DAG-CBOR CID of data, as Cairn addresses its nodes.
func cborCID(t testing.TB, data []byte) cid.Cid {
	t.Helper()
	c, err := Prefix.Sum(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSniff(t *testing.T) {
	enc := encodings(t)
	withCodec := func(codec uint64) cid.Cid {
		c, err := cid.Prefix{Version: 1, Codec: codec, MhType: mh.SHA2_256, MhLength: -1}.Sum([]byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cbor := func(v any) []byte { return encCanonical(t, v) }
	v0, err := cid.Decode("QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    cid.Cid // cid.Undef: the DAG-CBOR CID of data
		data []byte
		want NodeKind
		err  error
	}{
		{name: "package", data: enc["package"], want: NodePackage},
		{name: "package with a directory", data: enc["package-tools"], want: NodePackage},
		{name: "metadata", data: enc["metadata"], want: NodeMetadata},
		{name: "bare metadata", data: enc["metadata-bare"], want: NodeMetadata},
		{name: "signature", data: enc["signature"], want: NodeSignature},
		// Sniff reads only the type field: a node invalid in other ways sniffs.
		{name: "type field only", data: cbor(omap{{"type", PackageType}}), want: NodePackage},
		{name: "unknown fields", data: cbor(omap{{"type", SignatureType}, {"x", int64(1)}}), want: NodeSignature},

		{name: "raw", c: rawCID(t, "hello"), data: []byte("hello"), want: NodeContent},
		{name: "raw garbage", c: withCodec(cid.Raw), data: []byte{0xff, 0x00}, want: NodeContent},
		{name: "dag-pb", c: dagPBCID(t, "dir"), data: []byte{0x0a, 0x02, 0x08, 0x01}, want: NodeContent},
		{name: "dag-pb empty", c: withCodec(cid.DagProtobuf), data: nil, want: NodeContent},
		{name: "cidv0", c: v0, data: []byte("anything"), want: NodeContent},

		{name: "dag-json codec", c: withCodec(cid.DagJSON), data: []byte(`{"type":"cairn/package@1"}`), want: NodeUnknown, err: ErrInvalidCID},
		{name: "cbor codec", c: withCodec(0x51), data: enc["package"], want: NodeUnknown, err: ErrInvalidCID},
		{name: "git codec", c: withCodec(cid.GitRaw), data: []byte("x"), want: NodeUnknown, err: ErrInvalidCID},
		{name: "undefined cid", c: cid.Undef, data: nil, want: NodeUnknown, err: ErrInvalidCID},

		{name: "garbage", data: []byte("garbage"), want: NodeUnknown, err: ErrMalformed},
		{name: "empty", data: []byte{}, want: NodeUnknown, err: ErrMalformed},
		{name: "truncated", data: enc["package"][:10], want: NodeUnknown, err: ErrMalformed},
		{name: "trailing byte", data: append(bytes.Clone(enc["package"]), 0), want: NodeUnknown, err: ErrMalformed},
		{name: "non-minimal int", data: []byte{0xa1, 0x61, 'a', 0x18, 0x01}, want: NodeUnknown, err: ErrMalformed},
		{name: "too large", data: make([]byte, MaxNodeSize+1), want: NodeUnknown, err: ErrTooLarge},
		{name: "too deep", data: append(bytes.Repeat([]byte{0x81}, MaxDepth+1), 0x00), want: NodeUnknown, err: ErrTooDeep},
		{name: "very deep", data: append(bytes.Repeat([]byte{0xa1, 0x61, 'a'}, 100000), 0x00), want: NodeUnknown, err: ErrTooDeep},

		{name: "no type field", data: cbor(omap{{"name", "acme/hello"}}), want: NodeUnknown, err: ErrWrongKind},
		{name: "empty map", data: []byte{0xa0}, want: NodeUnknown, err: ErrWrongKind},
		{name: "type not a string", data: cbor(omap{{"type", int64(1)}}), want: NodeUnknown, err: ErrWrongKind},
		{name: "type is bytes", data: cbor(omap{{"type", []byte(PackageType)}}), want: NodeUnknown, err: ErrWrongKind},
		{name: "unknown type", data: cbor(omap{{"type", "cairn/package@2"}}), want: NodeUnknown, err: ErrWrongKind},
		{name: "empty type", data: cbor(omap{{"type", ""}}), want: NodeUnknown, err: ErrWrongKind},
		{name: "list", data: cbor([]any{PackageType}), want: NodeUnknown, err: ErrWrongKind},
		{name: "string", data: cbor(PackageType), want: NodeUnknown, err: ErrWrongKind},
		{name: "null", data: []byte{0xf6}, want: NodeUnknown, err: ErrWrongKind},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			if c == cid.Undef && tc.name != "undefined cid" {
				c = cborCID(t, tc.data)
			}
			got, err := Sniff(c, tc.data)
			if got != tc.want {
				t.Errorf("Sniff = %v, want %v", got, tc.want)
			}
			if tc.err == nil && err != nil {
				t.Fatalf("Sniff: %v", err)
			}
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Fatalf("Sniff: error %v, want %v", err, tc.err)
			}
		})
	}
}

func TestNodeKindString(t *testing.T) {
	for k, want := range map[NodeKind]string{
		NodeUnknown: "unknown", NodePackage: "package", NodeMetadata: "metadata",
		NodeSignature: "signature", NodeContent: "content", NodeKind(99): "unknown", NodeKind(-1): "unknown",
	} {
		if got := k.String(); got != want {
			t.Errorf("NodeKind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

// checkBlockCase is a block, the CID it is checked against and the error
// expected (nil: it matches).
type checkBlockCase struct {
	name string
	c    cid.Cid
	data []byte
	err  error
}

func checkBlockCases(t *testing.T) []checkBlockCase {
	t.Helper()
	enc := encodings(t)
	pkg := enc["package"]
	pkgCID := cborCID(t, pkg)
	flipped := bytes.Clone(pkg)
	flipped[len(flipped)-1] ^= 1
	v0, err := cid.Prefix{Version: 0, Codec: cid.DagProtobuf, MhType: mh.SHA2_256, MhLength: -1}.Sum([]byte("pb"))
	if err != nil {
		t.Fatal(err)
	}
	blake, err := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: mh.BLAKE3, MhLength: -1}.Sum([]byte("b3"))
	if err != nil {
		t.Fatal(err)
	}
	truncated, err := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: mh.SHA2_256, MhLength: 20}.Sum([]byte("short"))
	if err != nil {
		t.Fatal(err)
	}
	unknownHash := cid.NewCidV1(cid.Raw, mustEncodeMultihash(t, bytes.Repeat([]byte{1}, 32), 0x7777))
	return []checkBlockCase{
		{"package", pkgCID, pkg, nil},
		{"raw", rawCID(t, "hello"), []byte("hello"), nil},
		{"cidv0", v0, []byte("pb"), nil},
		{"blake3", blake, []byte("b3"), nil},
		{"sha2-256 cut to 20 bytes", truncated, []byte("short"), nil},
		{"empty block", cborCID(t, nil), nil, nil},
		{"one bit flipped", pkgCID, flipped, ErrHashMismatch},
		{"one byte more", pkgCID, append(bytes.Clone(pkg), 0), ErrHashMismatch},
		{"one byte less", pkgCID, pkg[:len(pkg)-1], ErrHashMismatch},
		{"another block", pkgCID, enc["metadata"], ErrHashMismatch},
		{"nothing", pkgCID, nil, ErrHashMismatch},
		// CheckBlock compares digests only; which codec the block is in is Sniff's
		// and the Decode functions' concern.
		{"right hash, wrong codec", cid.NewCidV1(cid.Raw, pkgCID.Hash()), pkg, nil},
		{"cidv0 wrong data", v0, []byte("pb!"), ErrHashMismatch},
		{"blake3 wrong data", blake, []byte("b4"), ErrHashMismatch},
		{"sha2-256 cut to 20 bytes, wrong data", truncated, []byte("shorT"), ErrHashMismatch},
		{"unknown hash function", unknownHash, []byte("x"), ErrInvalidCID},
		{"undefined cid", cid.Undef, []byte("x"), ErrInvalidCID},
	}
}

func checkErr(t *testing.T, tc checkBlockCase, err error) {
	t.Helper()
	if tc.err == nil && err != nil {
		t.Errorf("%s: %v", tc.name, err)
	}
	if tc.err != nil && !errors.Is(err, tc.err) {
		t.Errorf("%s: error %v, want %v", tc.name, err, tc.err)
	}
}

func TestCheckBlock(t *testing.T) {
	for _, tc := range checkBlockCases(t) {
		checkErr(t, tc, CheckBlock(tc.c, tc.data))
	}
}

// TestCheckBlocks: one batch gives each block CheckBlock's answer, with
// sixteen large blocks among them (two of them damaged), so that the SHA2-256
// ones are hashed side by side where the CPU can.
func TestCheckBlocks(t *testing.T) {
	cases := checkBlockCases(t)
	for i := range 16 {
		data := bytes.Repeat([]byte{byte(i)}, 256<<10+i)
		tc := checkBlockCase{fmt.Sprintf("large %d", i), rawCID(t, string(data)), data, nil}
		if i%7 == 3 {
			tc.data = bytes.Clone(data)
			tc.data[len(data)/2] ^= 0x10
			tc.err = ErrHashMismatch
		}
		cases = append(cases, tc)
	}
	var (
		cs   []cid.Cid
		data [][]byte
	)
	for _, tc := range cases {
		cs, data = append(cs, tc.c), append(data, tc.data)
	}
	errs := CheckBlocks(cs, data)
	if len(errs) != len(cases) {
		t.Fatalf("%d answers for %d blocks", len(errs), len(cases))
	}
	for i, tc := range cases {
		checkErr(t, tc, errs[i])
	}
}

func mustEncodeMultihash(t testing.TB, digest []byte, code uint64) mh.Multihash {
	t.Helper()
	m, err := mh.Encode(digest, code)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseCID(t *testing.T) {
	pkgCID := cborCID(t, encodings(t)["package"])
	valid := []struct{ in, want string }{
		{pkgCID.String(), pkgCID.String()},
		{testLinkCID, testLinkCID},
		{"QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n", "QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n"},
		// Another multibase of the same CID parses to the same CID.
		{mustBase58(t, pkgCID), pkgCID.String()},
	}
	for _, tc := range valid {
		t.Run(tc.in, func(t *testing.T) {
			c, err := ParseCID(tc.in)
			if err != nil {
				t.Fatalf("ParseCID(%q): %v", tc.in, err)
			}
			if c.String() != tc.want {
				t.Errorf("ParseCID(%q) = %s, want %s", tc.in, c, tc.want)
			}
		})
	}
	invalid := []string{
		"",
		"b",
		"bafy",
		"not a cid",
		" " + pkgCID.String(),
		pkgCID.String() + " ",
		pkgCID.String() + "a",
		pkgCID.String()[:len(pkgCID.String())-1],
		"Qm",
		"QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1",
		"/ipfs/" + pkgCID.String(),
		"ipfs://" + pkgCID.String(),
	}
	for _, in := range invalid {
		t.Run("invalid/"+in, func(t *testing.T) {
			c, err := ParseCID(in)
			if !errors.Is(err, ErrInvalidCID) {
				t.Fatalf("ParseCID(%q) = %s, %v; want ErrInvalidCID", in, c, err)
			}
			if c.Defined() {
				t.Errorf("ParseCID(%q) returned a CID with an error", in)
			}
			if !strings.Contains(err.Error(), "\""+in+"\"") {
				t.Errorf("error %q does not quote the input", err)
			}
		})
	}
}

// mustBase58 returns c in base58btc, the multibase prefixed by "z".
func mustBase58(t testing.TB, c cid.Cid) string {
	t.Helper()
	s, err := c.StringOfBase(multibase.Base58BTC)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

package heads

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/codec"
	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
	"github.com/ipld/go-ipld-prime/node/basicnode"
	mh "github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/dag/dagtest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// goldenHeads is the fixed message of testdata/two-heads.cbor, given out of
// order: the encoding sorts it.
func goldenHeads(t testing.TB) []Head {
	return []Head{
		{Signer: signerSec, Seq: 1, CID: entryCID(t, "entry 1")},
		{Signer: signerEd, Seq: 300, CID: entryCID(t, "entry 300")},
	}
}

// TestGolden pins the wire format: a changed file is a protocol change.
func TestGolden(t *testing.T) {
	got, err := encodeHeads(goldenHeads(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "two-heads.cbor")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding changed:\n got %x\nwant %x", got, want)
	}
	hs, err := decodeHeads(want)
	if err != nil {
		t.Fatal(err)
	}
	if !equalHeads(hs, []Head{goldenHeads(t)[1], goldenHeads(t)[0]}) {
		t.Fatalf("decoded %v", hs)
	}
}

func TestEncodeIsDeterministic(t *testing.T) {
	hs := []Head{testHead(t, 3, 1), testHead(t, 1, 7), testHead(t, 2, 1<<40)}
	first, err := encodeHeads(hs)
	if err != nil {
		t.Fatal(err)
	}
	again, err := encodeHeads([]Head{hs[1], hs[2], hs[0]})
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("order changed the bytes: %x vs %x, %v", first, again, err)
	}
	if hs[0].Signer != testHead(t, 3, 1).Signer {
		t.Fatal("encodeHeads sorted its caller's slice")
	}
	if empty, err := encodeHeads(nil); err != nil || !bytes.Equal(empty, []byte{0x80}) {
		t.Fatalf("no heads = %x, %v; want 80", empty, err)
	}
}

func TestEncodeRefusesWhatDecodeWould(t *testing.T) {
	for name, tc := range map[string]struct {
		heads []Head
		want  error
	}{
		"seq 0":         {[]Head{{Signer: signerEd, Seq: 0, CID: entryCID(t, "x")}}, ErrInvalidHead},
		"no cid":        {[]Head{{Signer: signerEd, Seq: 1}}, ErrInvalidHead},
		"duplicate":     {[]Head{testHead(t, 1, 1), testHead(t, 1, 2)}, ErrDuplicateSigner},
		"too many":      {manyHeads(t, MaxHeads+1), ErrTooLarge},
		"signer prefix": {[]Head{{Signer: "did:web:example.com", Seq: 1, CID: entryCID(t, "x")}}, ErrInvalidHead},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := encodeHeads(tc.heads); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func manyHeads(t testing.TB, n int) []Head {
	hs := make([]Head, n)
	for i := range hs {
		hs[i] = testHead(t, i, 1)
	}
	return hs
}

// rawHead is a head map with any fields, for building malformed messages.
type rawHead map[string]datamodel.Node

func str(s string) datamodel.Node { return basicnode.NewString(s) }
func num(i int64) datamodel.Node  { return basicnode.NewInt(i) }
func link(c cid.Cid) datamodel.Node {
	return basicnode.NewLink(cidlink.Link{Cid: c})
}

func goodRaw(t testing.TB, i int) rawHead {
	h := testHead(t, i, 1)
	return rawHead{"signer": str(h.Signer), "seq": num(1), "head": link(h.CID)}
}

// encodeRaw encodes a list of raw heads, map keys sorted as DAG-CBOR wants
// unless sorted is false (then in the order listed in keys).
func encodeRaw(t testing.TB, heads []rawHead, sorted bool, keys ...string) []byte {
	t.Helper()
	n, err := qp.BuildList(basicnode.Prototype.List, int64(len(heads)), func(la datamodel.ListAssembler) {
		for _, h := range heads {
			order := keys
			if len(order) == 0 {
				for k := range h {
					order = append(order, k)
				}
			}
			qp.ListEntry(la, qp.Map(int64(len(h)), func(ma datamodel.MapAssembler) {
				for _, k := range order {
					qp.MapEntry(ma, k, qp.Node(h[k]))
				}
			}))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	mode := codec.MapSortMode_RFC7049
	if !sorted {
		mode = codec.MapSortMode_None
	}
	var buf bytes.Buffer
	if err := (dagcbor.EncodeOptions{AllowLinks: true, MapSortMode: mode}).Encode(n, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeRefuses(t *testing.T) {
	good := encodeRaw(t, []rawHead{goodRaw(t, 1)}, true)
	if _, err := decodeHeads(good); err != nil {
		t.Fatalf("the base case is refused: %v", err)
	}
	with := func(k string, v datamodel.Node) []byte {
		h := goodRaw(t, 1)
		if v == nil {
			delete(h, k)
		} else {
			h[k] = v
		}
		return encodeRaw(t, []rawHead{h}, true)
	}
	rawCID, _ := dagtest.Content(t, []byte("raw"))
	v0, _ := cid.Prefix{Version: 0, Codec: cid.DagProtobuf, MhType: mh.SHA2_256, MhLength: -1}.Sum([]byte("v0"))
	blake, _ := cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: mh.BLAKE2B_MIN + 31, MhLength: -1}.Sum([]byte("b"))
	tooMany := make([]rawHead, MaxHeads+1)
	for i := range tooMany {
		tooMany[i] = goodRaw(t, i)
	}
	list := func(hs ...rawHead) []byte { return encodeRaw(t, hs, true) }

	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"unknown field", with("note", str("hi")), ErrMalformed},
		{"missing signer", with("signer", nil), ErrMalformed},
		{"missing seq", with("seq", nil), ErrMalformed},
		{"missing head", with("head", nil), ErrMalformed},
		{"seq 0", with("seq", num(0)), ErrInvalidHead},
		{"seq negative", with("seq", num(-1)), ErrInvalidHead},
		{"seq 2^53", with("seq", num(MaxSeq+1)), ErrInvalidHead},
		{"seq 2^64-1", bytes.Replace(good, []byte{0x63, 's', 'e', 'q', 0x01}, []byte{0x63, 's', 'e', 'q', 0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 1), ErrInvalidHead},
		{"seq a string", with("seq", str("1")), ErrMalformed},
		{"seq a float", with("seq", basicnode.NewFloat(1)), ErrMalformed},
		{"seq not minimal", bytes.Replace(good, []byte{0x63, 's', 'e', 'q', 0x01}, []byte{0x63, 's', 'e', 'q', 0x18, 0x01}, 1), ErrMalformed},
		{"signer did:web", with("signer", str("did:web:example.com")), ErrInvalidHead},
		{"signer prefix only", with("signer", str("did:key:")), ErrInvalidHead},
		{"signer with a space", with("signer", str("did:key:z6Mk abc")), ErrInvalidHead},
		{"signer with an escape", with("signer", str("did:key:z6Mk\x1b[2J")), ErrInvalidHead},
		{"signer too long", with("signer", str("did:key:z"+strings.Repeat("a", MaxSignerLength))), ErrInvalidHead},
		{"signer bytes", with("signer", basicnode.NewBytes([]byte(signerEd))), ErrMalformed},
		{"raw-codec head", with("head", link(rawCID)), ErrInvalidHead},
		{"CIDv0 head", with("head", link(v0)), ErrInvalidHead},
		{"blake2b head", with("head", link(blake)), ErrInvalidHead},
		{"head as bytes", with("head", basicnode.NewBytes(entryCID(t, "x").Bytes())), ErrMalformed},
		{"duplicate signer", list(goodRaw(t, 1), goodRaw(t, 1)), ErrDuplicateSigner},
		{"duplicate signer apart", list(goodRaw(t, 1), goodRaw(t, 2), goodRaw(t, 1)), ErrDuplicateSigner},
		{"signers out of order", list(goodRaw(t, 2), goodRaw(t, 1)), ErrMalformed},
		{"too many heads", encodeRaw(t, tooMany, true), ErrTooLarge},
		{"above the byte limit", make([]byte, MaxMessageSize+1), ErrTooLarge},
		{"huge list header", []byte{0x9b, 0, 0, 0, 1, 0, 0, 0, 0}, ErrTooLarge},
		{"trailing bytes", append(bytes.Clone(good), 0x80), ErrMalformed},
		{"keys unsorted", encodeRaw(t, []rawHead{goodRaw(t, 1)}, false, "signer", "seq", "head"), ErrMalformed},
		{"not a list", []byte{0xa0}, ErrMalformed},
		{"a list of lists", []byte{0x81, 0x80}, ErrMalformed},
		{"a list of ints", []byte{0x81, 0x01}, ErrMalformed},
		{"nested too deep", []byte{0x81, 0xa1, 0x63, 's', 'e', 'q', 0x80}, ErrMalformed},
		{"indefinite list", []byte{0x9f, 0xff}, ErrMalformed},
		{"not CBOR", []byte{0xff}, ErrMalformed},
		{"empty", nil, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs, err := decodeHeads(tc.data)
			if !errors.Is(err, tc.want) {
				t.Fatalf("decodeHeads(%.40x…) = %v, %v; want %v", tc.data, hs, err, tc.want)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	for _, n := range []int{0, 1, 2, MaxHeads} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			hs := manyHeads(t, n)
			hs = append(hs[:0:0], hs...)
			if n > 0 {
				hs[n-1].Seq = MaxSeq
			}
			data, err := encodeHeads(hs)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeHeads(data)
			if err != nil || !equalHeads(got, hs) {
				t.Fatalf("round trip of %d heads: %d back, %v", n, len(got), err)
			}
		})
	}
}

package dag

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ipfs/go-cid"
)

// The fuzzers check the promises of strict decoding on arbitrary bytes:
//   - decoding never panics;
//   - every error wraps one of the documented sentinels;
//   - whatever decodes re-encodes to exactly the same bytes, hence the same CID;
//   - Sniff agrees with the Decode functions.
//
// Run one with, for example:
//
//	go test -run '^$' -fuzz '^FuzzDecodePackage$' -fuzztime 30s ./dag/
//
// Failing inputs are saved in testdata/fuzz and replayed by every go test run.

// sentinels are the errors every decoding error must wrap.
var sentinels = []error{
	ErrMalformed, ErrNotCanonical, ErrTooLarge, ErrTooDeep, ErrWrongKind,
	ErrInvalidName, ErrInvalidVersion, ErrInvalidField, ErrInvalidCID, ErrHashMismatch,
}

func checkSentinel(t *testing.T, err error) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error wraps no sentinel: %v", err)
}

// addSeeds seeds a fuzzer with every golden encoding, the signing payload, and a
// few edits of them, whatever the fuzzer's node kind: bytes of the wrong kind are
// interesting inputs too.
func addSeeds(f *testing.F) {
	f.Helper()
	enc := encodings(f)
	for _, fx := range fixtureNodes(f) {
		f.Add(enc[fx.name])
	}
	payload := goldenSigningPayload(f)
	f.Add(payload[len(SigningDomain):])
	f.Add(editLayer(f, enc["package-tools"], 1, setField("sha256", []byte{})))
	f.Add(edit(f, enc["metadata"], setField("entries", omap{{"n", nil}, {"f", 1.5}, {"l", []any{nil, int64(-1)}}})))
	f.Add(edit(f, enc["metadata"], setField("created", "2026-01-02T15:04:05.5Z")))
	f.Add(edit(f, enc["signature"], setField("sig", []byte{})))
	f.Add([]byte{})
	f.Add([]byte{0xa0})
}

// fuzzDecode checks one Decode function on data.
func fuzzDecode[T interface {
	Encode() ([]byte, cid.Cid, error)
}](t *testing.T, kind NodeKind, data []byte, decode func([]byte) (T, error)) {
	n, err := decode(data)
	if err != nil {
		checkSentinel(t, err)
		return
	}
	b, c, err := n.Encode()
	if err != nil {
		t.Fatalf("decoded node does not encode: %v\ninput %x", err, data)
	}
	if !bytes.Equal(b, data) {
		t.Fatalf("re-encoding differs:\ninput %x\n  got %x", data, b)
	}
	want, err := Prefix.Sum(data)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Equals(want) {
		t.Fatalf("CID %s, want %s", c, want)
	}
	if k, err := Sniff(c, data); err != nil || k != kind {
		t.Fatalf("Sniff = %v, %v; want %v", k, err, kind)
	}
}

func FuzzDecodePackage(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, NodePackage, data, DecodePackage)
	})
}

func FuzzDecodeMetadataSet(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, NodeMetadata, data, DecodeMetadataSet)
	})
}

func FuzzDecodeSignature(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, NodeSignature, data, DecodeSignature)
	})
}

// FuzzSniff takes a CID's bytes (the block's DAG-CBOR CID when they are not a CID)
// and a block.
func FuzzSniff(f *testing.F) {
	enc := encodings(f)
	for _, fx := range fixtureNodes(f) {
		data := enc[fx.name]
		f.Add(cborCID(f, data).Bytes(), data)
		f.Add(rawCID(f, "x").Bytes(), data)
		f.Add([]byte{}, data)
	}
	f.Add(dagPBCID(f, "d").Bytes(), []byte{0x0a, 0x00})
	f.Add([]byte{0x01, 0xa9, 0x02, 0x12, 0x20}, []byte("{}"))
	f.Add([]byte{}, []byte{0xa1, 0x64, 't', 'y', 'p', 'e', 0x01})
	f.Fuzz(func(t *testing.T, cidBytes, data []byte) {
		c, err := cid.Cast(cidBytes)
		if err != nil {
			c = cborCID(t, data)
		}
		kind, err := Sniff(c, data)
		if err != nil {
			checkSentinel(t, err)
			if kind != NodeUnknown {
				t.Fatalf("Sniff = %v with error %v", kind, err)
			}
		}
		if c.Prefix().Codec != cid.DagCBOR {
			return
		}
		// Whatever decodes must sniff as its kind, under its own CID or any other
		// DAG-CBOR CID (Sniff does not hash).
		for k, decode := range decoders {
			if decode(data) == nil && (err != nil || kind != k) {
				t.Fatalf("%v decodes, but Sniff = %v, %v", k, kind, err)
			}
		}
	})
}

package dag

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
)

// decoders decode untrusted bytes as one kind of node.
var decoders = map[NodeKind]func([]byte) error{
	NodePackage:   func(b []byte) error { _, err := DecodePackage(b); return err },
	NodeMetadata:  func(b []byte) error { _, err := DecodeMetadataSet(b); return err },
	NodeSignature: func(b []byte) error { _, err := DecodeSignature(b); return err },
	NodeLogEntry:  func(b []byte) error { _, err := DecodeLogEntry(b); return err },
}

// decodeCase is one input to a Decode function and the sentinel it must fail with
// (nil: it must decode).
type decodeCase struct {
	name string
	kind NodeKind
	data []byte
	want error
}

func runDecodeCases(t *testing.T, cases []decodeCase) {
	t.Helper()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			err := decoders[tc.kind](tc.data)
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("decode %v: unexpected error %v", tc.kind, err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("decode %v: error %v, want %v", tc.kind, err, tc.want)
			}
		})
	}
}

// encodings holds the fixture encodings by name.
func encodings(t testing.TB) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, f := range fixtureNodes(t) {
		b, _ := mustEncode(t, f.node)
		m[f.name] = b
	}
	return m
}

// edit returns the canonical encoding of base after f changed its top-level map.
func edit(t testing.TB, base []byte, f func(omap) omap) []byte {
	t.Helper()
	return encCanonical(t, f(parseMap(t, base)))
}

// editLayer is edit for the i-th layer of a package.
func editLayer(t testing.TB, base []byte, i int, f func(omap) omap) []byte {
	t.Helper()
	return edit(t, base, func(m omap) omap {
		layers := append([]any(nil), m.get("layers").([]any)...)
		layers[i] = f(layers[i].(omap))
		return m.set("layers", layers)
	})
}

// setField returns an edit that sets k to v.
func setField(k string, v any) func(omap) omap { return func(m omap) omap { return m.set(k, v) } }

// delField returns an edit that removes k.
func delField(k string) func(omap) omap { return func(m omap) omap { return m.del(k) } }

// commonCases are the cases every node kind must refuse the same way.
func commonCases(t testing.TB, kind NodeKind, base []byte) []decodeCase {
	t.Helper()
	m := parseMap(t, base)
	var cases []decodeCase
	add := func(name string, data []byte, want error) {
		cases = append(cases, decodeCase{kind.String() + "/" + name, kind, data, want})
	}
	add("valid", base, nil)
	add("unknown field", edit(t, base, setField("extra", "x")), ErrMalformed)
	add("unknown field with empty name", edit(t, base, setField("", "x")), ErrMalformed)
	add("unknown field null", edit(t, base, setField("zz", nil)), ErrMalformed)
	add("field name in another case", edit(t, base, func(m omap) omap {
		return m.del("type").set("Type", m.get("type"))
	}), ErrMalformed)
	for _, e := range m {
		add("missing "+e.k, edit(t, base, delField(e.k)), ErrMalformed)
		add(e.k+" is null", edit(t, base, setField(e.k, nil)), ErrMalformed)
		// Every field gets a value of a kind it never has.
		var wrong any = int64(7)
		if _, ok := e.v.(int64); ok {
			wrong = "7"
		}
		add(e.k+" has wrong type", edit(t, base, setField(e.k, wrong)), ErrMalformed)
		var other any = omap{{"a", "b"}}
		if _, ok := e.v.(omap); ok {
			other = []any{"a"}
		}
		add(e.k+" has another container type", edit(t, base, setField(e.k, other)), ErrMalformed)
	}
	add("type is missing a version", edit(t, base, setField("type", strings.Split(m.get("type").(string), "@")[0])), ErrWrongKind)
	add("type of version 9", edit(t, base, setField("type", strings.Replace(m.get("type").(string), "@1", "@9", 1))), ErrWrongKind)
	add("type in upper case", edit(t, base, setField("type", strings.ToUpper(m.get("type").(string)))), ErrWrongKind)
	add("type empty", edit(t, base, setField("type", "")), ErrWrongKind)

	// Encodings of the right node that are not canonical DAG-CBOR.
	add("keys reversed", encAsIs(t, m.reversed()), ErrNotCanonical)
	lexical := append(omap(nil), m...)
	sortLexical(lexical)
	add("keys in lexical rather than length-first order", encAsIs(t, lexical), ErrNotCanonical)
	add("duplicate key", encPairs(t, append(omap{m[0]}, m...)), ErrMalformed)
	add("duplicate key, same value, right count", encPairs(t, append(omap{m[0]}, m[:len(m)-1]...)), ErrMalformed)
	add("trailing zero byte", append(bytes.Clone(base), 0x00), ErrMalformed)
	add("trailing copy of the node", append(bytes.Clone(base), base...), ErrMalformed)
	add("truncated by one byte", base[:len(base)-1], ErrMalformed)
	add("truncated to the header", base[:1], ErrMalformed)
	add("empty input", []byte{}, ErrMalformed)
	add("nil input", nil, ErrMalformed)
	add("map header not minimal", append([]byte{0xb8, base[0] & 0x1f}, base[1:]...), ErrMalformed)
	add("indefinite-length map", append(append([]byte{0xbf}, base[1:]...), 0xff), ErrMalformed)
	add("map header counts one entry too many", append([]byte{base[0] + 1}, base[1:]...), ErrMalformed)
	add("map header counts one entry too few", append([]byte{base[0] - 1}, base[1:]...), ErrMalformed)
	add("type key not minimal", replaceOnce(t, base, cborText("type"), append([]byte{0x78, 4}, "type"...)), ErrMalformed)
	// The CBOR decoder skips tags other than on bytes; re-encoding drops them.
	add("whole node tagged", append([]byte{0xd8, 0x2a}, base...), ErrNotCanonical)
	add("whole node tagged with an unknown tag", append([]byte{0xc1}, base...), ErrNotCanonical)
	add("an empty map", []byte{0xa0}, ErrMalformed)
	add("a list", []byte{0x80}, ErrMalformed)
	add("null", []byte{0xf6}, ErrMalformed)
	add("a string", cborText("type"), ErrMalformed)
	add("garbage", []byte("not cbor at all"), ErrMalformed)

	// Size and depth.
	add("oversized input", append(bytes.Clone(base), make([]byte, MaxNodeSize+1-len(base))...), ErrTooLarge)
	// A list where a map belongs fails at once, before any nesting: no stack
	// overflow, whatever the depth.
	add("deeply nested lists", append(bytes.Repeat([]byte{0x81}, 100000), 0x00), ErrMalformed)
	return cases
}

// sortLexical sorts keys bytewise, which is not DAG-CBOR's length-first order.
func sortLexical(m omap) {
	for i := 1; i < len(m); i++ {
		for j := i; j > 0 && m[j].k < m[j-1].k; j-- {
			m[j], m[j-1] = m[j-1], m[j]
		}
	}
}

func TestDecodeCommon(t *testing.T) {
	enc := encodings(t)
	var cases []decodeCase
	for _, f := range fixtureNodes(t) {
		cases = append(cases, commonCases(t, f.kind, enc[f.name])...)
		for _, g := range fixtureNodes(t) {
			if g.kind == f.kind {
				continue
			}
			// Another node kind's bytes: its "type" names that kind.
			cases = append(cases, decodeCase{f.kind.String() + "/bytes of " + g.name, f.kind, enc[g.name], ErrWrongKind})
		}
	}
	// The signed payload is a signature without sig: it must never decode as one.
	payload := goldenSigningPayload(t)
	cases = append(cases,
		decodeCase{"signature/signing payload", NodeSignature, payload[len(SigningDomain):], ErrMalformed},
		decodeCase{"signature/signing payload with domain", NodeSignature, payload, ErrMalformed},
	)
	// Deduplicate fixture names of the same kind (package and package-tools).
	uniq := map[string]int{}
	for i := range cases {
		uniq[cases[i].name]++
		if n := uniq[cases[i].name]; n > 1 {
			cases[i].name += strings.Repeat("'", n-1)
		}
	}
	runDecodeCases(t, cases)
}

func TestDecodePackageStrict(t *testing.T) {
	enc := encodings(t)
	pkg, tools := enc["package"], enc["package-tools"]
	layer := func(f func(omap) omap) []byte { return editLayer(t, pkg, 0, f) }
	dir := func(f func(omap) omap) []byte { return editLayer(t, tools, 1, f) }
	l0 := parseMap(t, pkg).get("layers").([]any)[0].(omap)
	content := l0.get("content").(cid.Cid)
	layerNamed := func(name string) omap { return l0.set("name", name) }

	cases := []decodeCase{
		{"valid file layer", NodePackage, pkg, nil},
		{"valid directory layer", NodePackage, tools, nil},

		// Schema violations inside a layer.
		{"layer unknown field", NodePackage, layer(setField("mode", int64(0o644))), ErrMalformed},
		{"layer missing name", NodePackage, layer(delField("name")), ErrMalformed},
		{"layer missing mediaType", NodePackage, layer(delField("mediaType")), ErrMalformed},
		{"layer missing size", NodePackage, layer(delField("size")), ErrMalformed},
		{"layer missing content", NodePackage, layer(delField("content")), ErrMalformed},
		{"layer size is a string", NodePackage, layer(setField("size", "13")), ErrMalformed},
		{"layer size is a float", NodePackage, layer(setField("size", 13.0)), ErrMalformed},
		// bindnode wraps a uint64 above MaxInt64 into a negative int64; the
		// re-encoding check catches it.
		{"layer size above int64", NodePackage, layer(setField("size", uint64(1<<63))), ErrNotCanonical},
		{"layer size max uint64", NodePackage, layer(setField("size", uint64(1<<64-1))), ErrNotCanonical},
		{"layer content is a string", NodePackage, layer(setField("content", content.String())), ErrMalformed},
		{"layer content is untagged bytes", NodePackage, layer(setField("content", content.Bytes())), ErrMalformed},
		{"layer sha256 is a string", NodePackage, layer(setField("sha256", strings.Repeat("a", 32))), ErrMalformed},
		{"layer sha256 is null", NodePackage, layer(setField("sha256", nil)), ErrMalformed},
		{"directory sha256 is null", NodePackage, dir(setField("sha256", nil)), ErrMalformed},
		{"layer is a list", NodePackage, edit(t, pkg, setField("layers", []any{[]any{"artifact"}})), ErrMalformed},
		{"layers is a map", NodePackage, edit(t, pkg, setField("layers", l0)), ErrMalformed},
		{"layer keys reversed", NodePackage, replaceOnce(t, pkg, encCanonical(t, l0), encAsIs(t, l0.reversed())), ErrNotCanonical},
		{"layer size not minimal", NodePackage, replaceOnce(t, pkg, []byte("size\x0d"), []byte("size\x18\x0d")), ErrMalformed},
		{"link not prefixed by the identity multibase", NodePackage, replaceOnce(t, pkg, []byte{0xd8, 0x2a, 0x58, 0x25, 0x00}, []byte{0xd8, 0x2a, 0x58, 0x25, 0x01}), ErrMalformed},
		{"link with another tag", NodePackage, replaceOnce(t, pkg, []byte{0xd8, 0x2a, 0x58, 0x25, 0x00}, []byte{0xd8, 0x2b, 0x58, 0x25, 0x00}), ErrMalformed},

		// Rules of docs/formats.md beyond the schema.
		{"negative size", NodePackage, layer(setField("size", int64(-1))), ErrInvalidField},
		{"most negative size", NodePackage, layer(setField("size", int64(-1<<63))), ErrInvalidField},
		{"size at the limit", NodePackage, layer(setField("size", int64(1<<62))), nil},
		{"size over the limit", NodePackage, layer(setField("size", int64(1<<62+1))), ErrTooLarge},
		{"invalid name: upper case", NodePackage, edit(t, pkg, setField("name", "Acme/hello")), ErrInvalidName},
		{"invalid name: no namespace", NodePackage, edit(t, pkg, setField("name", "hello")), ErrInvalidName},
		{"invalid name: two slashes", NodePackage, edit(t, pkg, setField("name", "acme/hello/world")), ErrInvalidName},
		{"invalid name: empty", NodePackage, edit(t, pkg, setField("name", "")), ErrInvalidName},
		{"invalid version: two parts", NodePackage, edit(t, pkg, setField("version", "1.0")), ErrInvalidVersion},
		{"invalid version: v prefix", NodePackage, edit(t, pkg, setField("version", "v1.0.0")), ErrInvalidVersion},
		{"invalid version: leading zero", NodePackage, edit(t, pkg, setField("version", "1.01.0")), ErrInvalidVersion},
		{"invalid version: empty", NodePackage, edit(t, pkg, setField("version", "")), ErrInvalidVersion},
		{"invalid version: too long", NodePackage, edit(t, pkg, setField("version", "1.0.0-"+strings.Repeat("a", MaxVersionLength-5))), ErrInvalidVersion},
		{"directory layer with sha256", NodePackage, dir(setField("sha256", make([]byte, 32))), ErrInvalidField},
		// bindnode reads empty bytes as a nil slice, which encodes as an absent
		// field: the re-encoding check refuses it.
		{"directory layer with empty sha256", NodePackage, dir(setField("sha256", []byte{})), ErrNotCanonical},
		{"file layer without sha256", NodePackage, layer(delField("sha256")), ErrInvalidField},
		{"file layer with 31-byte sha256", NodePackage, layer(setField("sha256", make([]byte, 31))), ErrInvalidField},
		{"file layer with 33-byte sha256", NodePackage, layer(setField("sha256", make([]byte, 33))), ErrInvalidField},
		{"file layer with empty sha256", NodePackage, layer(setField("sha256", []byte{})), ErrNotCanonical},
		{"no layers", NodePackage, edit(t, pkg, setField("layers", []any{})), ErrInvalidField},
		{"duplicate layer names", NodePackage, edit(t, pkg, setField("layers", []any{l0, l0})), ErrInvalidField},
		{"empty layer name", NodePackage, layer(setField("name", "")), ErrInvalidField},
		{"layer name with slash", NodePackage, layer(setField("name", "bin/hello")), ErrInvalidField},
		{"layer name with backslash", NodePackage, layer(setField("name", `bin\hello`)), ErrInvalidField},
		{"layer name with NUL", NodePackage, layer(setField("name", "hello\x00")), ErrInvalidField},
		{"layer name dot", NodePackage, layer(setField("name", ".")), ErrInvalidField},
		{"layer name dot dot", NodePackage, layer(setField("name", "..")), ErrInvalidField},
		{"layer name ../x", NodePackage, layer(setField("name", "../x")), ErrInvalidField},
		{"layer name ...", NodePackage, layer(setField("name", "...")), nil},
		{"layer name too long", NodePackage, layer(setField("name", strings.Repeat("a", MaxFieldLength+1))), ErrTooLarge},
		{"layer name at the limit", NodePackage, layer(setField("name", strings.Repeat("a", MaxFieldLength))), nil},
		{"empty media type", NodePackage, layer(setField("mediaType", "")), ErrInvalidField},
		{"media type too long", NodePackage, layer(setField("mediaType", strings.Repeat("a", MaxFieldLength+1))), ErrTooLarge},
		{"too many layers", NodePackage, edit(t, pkg, func(m omap) omap {
			var ls []any
			for i := range MaxLayers + 1 {
				ls = append(ls, layerNamed("l"+strconv.Itoa(i)))
			}
			return m.set("layers", ls)
		}), ErrTooLarge},
		{"as many layers as allowed", NodePackage, edit(t, pkg, func(m omap) omap {
			var ls []any
			for i := range MaxLayers {
				ls = append(ls, layerNamed("l"+strconv.Itoa(i)))
			}
			return m.set("layers", ls)
		}), nil},
	}
	runDecodeCases(t, cases)
}

func TestDecodeMetadataSetStrict(t *testing.T) {
	enc := encodings(t)
	meta := enc["metadata"]
	entries := func(v any) []byte { return edit(t, meta, setField("entries", v)) }
	m := parseMap(t, meta)
	subject := m.get("subject").(cid.Cid)
	manyInputs := func(n int) []any {
		l := make([]any, n)
		for i := range l {
			l[i] = subject
		}
		return l
	}

	cases := []decodeCase{
		{"valid", NodeMetadata, meta, nil},
		{"valid bare", NodeMetadata, enc["metadata-bare"], nil},
		{"entries is a list", NodeMetadata, entries([]any{}), ErrMalformed},
		{"entries is a string", NodeMetadata, entries("{}"), ErrMalformed},
		{"entries keys reversed", NodeMetadata, encAsIs(t, m.set("entries", m.get("entries").(omap).reversed())), ErrNotCanonical},
		{"entries duplicate key", NodeMetadata, replaceOnce(t, meta, encCanonical(t, m.get("entries")), encPairs(t, omap{{"a", "1"}, {"a", "2"}})), ErrMalformed},
		{"entries with a non-minimal int", NodeMetadata, replaceOnce(t, meta, []byte("steps\x03"), []byte("steps\x18\x03")), ErrMalformed},
		{"entries with a 32-bit float", NodeMetadata, replaceOnce(t, meta, []byte("steps\x03"), []byte("steps\xfa\x3f\xc0\x00\x00")), ErrNotCanonical},
		{"entries with a 16-bit float", NodeMetadata, replaceOnce(t, meta, []byte("steps\x03"), []byte("steps\xf9\x3e\x00")), ErrNotCanonical},
		{"entries with NaN", NodeMetadata, replaceOnce(t, meta, []byte("steps\x03"), []byte("steps\xfb\x7f\xf8\x00\x00\x00\x00\x00\x00")), ErrMalformed},
		{"entries with undefined", NodeMetadata, replaceOnce(t, meta, []byte("steps\x03"), []byte("steps\xf7")), ErrNotCanonical},
		{"entries with an unknown tag", NodeMetadata, replaceOnce(t, meta, []byte("steps\x03"), []byte("steps\xc1\x03")), ErrNotCanonical},
		{"entries with a link tag on a string", NodeMetadata, replaceOnce(t, meta, []byte("steps\x03"), []byte("steps\xd8\x2a\x61a")), ErrNotCanonical},
		{"entries with 100000 nested lists", NodeMetadata, replaceOnce(t, meta, []byte("steps\x03"), append(append([]byte("steps"), bytes.Repeat([]byte{0x81}, 100000)...), 0x00)), ErrTooDeep},
		{"entries with 100000 nested maps", NodeMetadata, replaceOnce(t, meta, []byte("steps\x03"), append(append([]byte("steps"), bytes.Repeat([]byte{0xa1, 0x61, 'a'}, 100000)...), 0x00)), ErrTooDeep},
		{"entries with an indefinite-length string", NodeMetadata, replaceOnce(t, meta, []byte("steps\x03"), []byte("steps\x7f\x61a\xff")), ErrMalformed},
		{"entries nested to MaxEntriesDepth", NodeMetadata, entries(nested(MaxEntriesDepth)), nil},
		{"entries nested past MaxEntriesDepth", NodeMetadata, entries(nested(MaxEntriesDepth + 1)), ErrTooDeep},
		{"entries list nested past MaxEntriesDepth", NodeMetadata, entries(omap{{"a", nestedList(MaxEntriesDepth)}}), ErrTooDeep},
		{"entries nested to MaxDepth", NodeMetadata, entries(nested(MaxDepth - 1)), ErrTooDeep},
		{"entries nested past MaxDepth", NodeMetadata, entries(nested(MaxDepth)), ErrTooDeep},
		{"entries nested far past MaxDepth", NodeMetadata, entries(nested(10 * MaxDepth)), ErrTooDeep},
		{"subject is a string", NodeMetadata, edit(t, meta, setField("subject", subject.String())), ErrMalformed},
		{"input is a string", NodeMetadata, edit(t, meta, setField("inputs", []any{subject.String()})), ErrMalformed},
		{"input is null", NodeMetadata, edit(t, meta, setField("inputs", []any{nil})), ErrMalformed},
		{"inputs at the limit", NodeMetadata, edit(t, meta, setField("inputs", manyInputs(MaxInputs))), nil},
		{"too many inputs", NodeMetadata, edit(t, meta, setField("inputs", manyInputs(MaxInputs+1))), ErrTooLarge},
		{"empty kind", NodeMetadata, edit(t, meta, setField("kind", "")), ErrInvalidField},
		{"kind too long", NodeMetadata, edit(t, meta, setField("kind", strings.Repeat("k", MaxFieldLength+1))), ErrTooLarge},
		{"other kind", NodeMetadata, edit(t, meta, setField("kind", "attestation")), nil},
		{"created is an int", NodeMetadata, edit(t, meta, setField("created", int64(1767366245))), ErrMalformed},
	}
	for _, c := range invalidTimes {
		cases = append(cases, decodeCase{"created " + c, NodeMetadata, edit(t, meta, setField("created", c)), ErrInvalidField})
	}
	runDecodeCases(t, cases)
}

// invalidTimes are "created" values that are not UTC RFC 3339 with whole seconds.
var invalidTimes = []string{
	"",
	"2026-01-02",
	"2026-01-02T15:04:05",
	"2026-01-02 15:04:05Z",
	"2026-01-02t15:04:05z",
	"2026-01-02T15:04:05+00:00",
	"2026-01-02T15:04:05+01:00",
	"2026-01-02T15:04:05.5Z",
	"2026-01-02T15:04:05.000Z",
	"2026-01-02T15:04:05,5Z",
	"2026-1-2T15:04:05Z",
	"2026-02-30T15:04:05Z",
	"2026-01-02T24:00:00Z",
	"2026-01-02T15:04:60Z",
	" 2026-01-02T15:04:05Z",
	"2026-01-02T15:04:05Z ",
	"+2026-01-02T15:04:05Z",
	"12026-01-02T15:04:05Z",
}

// nestedList returns lists nested depth deep: [[...[]...]].
func nestedList(depth int) any {
	var v any = []any{}
	for i := 1; i < depth; i++ {
		v = []any{v}
	}
	return v
}

func TestDecodeSignatureStrict(t *testing.T) {
	enc := encodings(t)
	sig := enc["signature"]
	m := parseMap(t, sig)
	subject := m.get("subject").(cid.Cid)
	cases := []decodeCase{
		{"valid", NodeSignature, sig, nil},
		{"sig is a string", NodeSignature, edit(t, sig, setField("sig", string(testSig()))), ErrMalformed},
		{"sig is a list", NodeSignature, edit(t, sig, setField("sig", []any{int64(0)})), ErrMalformed},
		{"subject is untagged bytes", NodeSignature, edit(t, sig, setField("subject", subject.Bytes())), ErrMalformed},
		{"subject is a list of links", NodeSignature, edit(t, sig, setField("subject", []any{subject})), ErrMalformed},
		{"sig bytes header not minimal", NodeSignature, replaceOnce(t, sig, []byte{0x58, 0x40, 0x00, 0x01}, []byte{0x59, 0x00, 0x40, 0x00, 0x01}), ErrMalformed},
		{"empty sig", NodeSignature, edit(t, sig, setField("sig", []byte{})), ErrInvalidField},
		{"sig at the limit", NodeSignature, edit(t, sig, setField("sig", make([]byte, 512))), nil},
		{"sig too long", NodeSignature, edit(t, sig, setField("sig", make([]byte, 513))), ErrTooLarge},
		{"empty signer", NodeSignature, edit(t, sig, setField("signer", "")), ErrInvalidField},
		{"signer too long", NodeSignature, edit(t, sig, setField("signer", "did:key:"+strings.Repeat("z", MaxFieldLength))), ErrTooLarge},
		{"empty alg", NodeSignature, edit(t, sig, setField("alg", "")), ErrInvalidField},
		{"empty role", NodeSignature, edit(t, sig, setField("role", "")), ErrInvalidField},
		{"role too long", NodeSignature, edit(t, sig, setField("role", strings.Repeat("r", MaxFieldLength+1))), ErrTooLarge},
		{"other role", NodeSignature, edit(t, sig, setField("role", RoleAuditor)), nil},
	}
	for _, c := range invalidTimes {
		cases = append(cases, decodeCase{"created " + c, NodeSignature, edit(t, sig, setField("created", c)), ErrInvalidField})
	}
	runDecodeCases(t, cases)
}

// TestDecodeRoundTrip: whatever decodes, encodes back to the same bytes and CID,
// and what Encode produces, decodes. Checked for each fixture and for the edge
// values the strict tests accept.
func TestDecodeRoundTrip(t *testing.T) {
	enc := encodings(t)
	for _, f := range fixtureNodes(t) {
		t.Run(f.name, func(t *testing.T) {
			assertRoundTrip(t, f.kind, enc[f.name])
		})
	}
	t.Run("edge values", func(t *testing.T) {
		pkg, meta, sig := enc["package"], enc["metadata"], enc["signature"]
		for _, data := range [][]byte{
			editLayer(t, pkg, 0, setField("size", int64(1<<62))),
			editLayer(t, pkg, 0, setField("size", int64(0))),
			edit(t, pkg, setField("version", "0.0.0-alpha.1+"+strings.Repeat("b", 100))),
			edit(t, meta, setField("entries", nested(MaxEntriesDepth))),
			edit(t, meta, setField("entries", omap{{"f", 1.5}, {"n", nil}, {"u", uint64(1 << 63)}, {"b", []byte{1}}})),
			edit(t, sig, setField("sig", []byte{1})),
		} {
			assertRoundTrip(t, parseKind(t, data), data)
		}
	})
}

// parseKind returns the node kind named by data's "type" field.
func parseKind(t testing.TB, data []byte) NodeKind {
	t.Helper()
	c, err := Prefix.Sum(data)
	if err != nil {
		t.Fatal(err)
	}
	k, err := Sniff(c, data)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// assertRoundTrip decodes data as kind and checks that it encodes to the same bytes.
func assertRoundTrip(t testing.TB, kind NodeKind, data []byte) {
	t.Helper()
	n := decodeKind(t, kind, data)
	b, c := mustEncode(t, n)
	if !bytes.Equal(b, data) {
		t.Fatalf("re-encoding differs:\n got %x\nwant %x", b, data)
	}
	if want, _ := Prefix.Sum(data); !c.Equals(want) {
		t.Fatalf("CID %s, want %s", c, want)
	}
}

// TestEncodeValidates: Encode refuses what Decode refuses, so Cairn never
// publishes a node it would not accept.
func TestEncodeValidates(t *testing.T) {
	good := func() *Package { return testPackage(t, "acme/hello", "1.0.0", []byte("x")) }
	deep, err := MergeEntries(toBasic(t, omap{{"a", nested(MaxEntriesDepth)}}))
	if err != nil {
		t.Fatal(err)
	}
	subject := nodeCID(t, "subject")
	tests := []struct {
		name string
		node interface {
			Encode() ([]byte, cid.Cid, error)
		}
		want error
	}{
		{"package ok", good(), nil},
		{"package bad version", func() *Package { p := good(); p.Version = "1"; return p }(), ErrInvalidVersion},
		{"package bad name", func() *Package { p := good(); p.Name.Namespace = "A"; return p }(), ErrInvalidName},
		{"package no layers", func() *Package { p := good(); p.Layers = nil; return p }(), ErrInvalidField},
		{"package size too large", func() *Package { p := good(); p.Layers[0].Size = 1<<62 + 1; return p }(), ErrTooLarge},
		{"package size max uint64", func() *Package { p := good(); p.Layers[0].Size = 1<<64 - 1; return p }(), ErrTooLarge},
		{"package no content", func() *Package { p := good(); p.Layers[0].Content = cid.Undef; return p }(), ErrInvalidField},
		{"package dir with sha256", func() *Package { p := good(); p.Layers[0].MediaType = DirectoryMediaType; return p }(), ErrInvalidField},
		{"metadata ok", &MetadataSet{Subject: subject, Kind: KindBuild, Created: testTime}, nil},
		{"metadata no subject", &MetadataSet{Kind: KindBuild, Created: testTime}, ErrInvalidField},
		{"metadata no kind", &MetadataSet{Subject: subject, Created: testTime}, ErrInvalidField},
		{"metadata undefined input", &MetadataSet{Subject: subject, Kind: KindBuild, Inputs: []cid.Cid{cid.Undef}}, ErrInvalidField},
		{"metadata entries not a map", &MetadataSet{Subject: subject, Kind: KindBuild, Entries: toBasic(t, []any{})}, ErrInvalidField},
		{"metadata entries too deep", &MetadataSet{Subject: subject, Kind: KindBuild, Entries: deep}, ErrTooDeep},
		{"signature ok", &Signature{Subject: subject, Signer: testSigner, Alg: AlgEd25519, Role: RolePublisher, Sig: testSig()}, nil},
		{"signature unsigned", &Signature{Subject: subject, Signer: testSigner, Alg: AlgEd25519, Role: RolePublisher}, ErrInvalidField},
		{"signature no subject", &Signature{Signer: testSigner, Alg: AlgEd25519, Role: RolePublisher, Sig: testSig()}, ErrInvalidField},
		{"signature no role", &Signature{Subject: subject, Signer: testSigner, Alg: AlgEd25519, Sig: testSig()}, ErrInvalidField},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c, err := tc.node.Encode()
			if tc.want == nil {
				if err != nil || !c.Defined() {
					t.Fatalf("Encode: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Encode: error %v, want %v", err, tc.want)
			}
		})
	}
}

// TestEncodeTooLarge: a node whose encoding exceeds MaxNodeSize is refused by
// Encode, as Decode would refuse it.
func TestEncodeTooLarge(t *testing.T) {
	big := strings.Repeat("x", MaxNodeSize)
	m := &MetadataSet{Subject: nodeCID(t, "s"), Kind: KindBuild, Entries: toBasic(t, omap{{"blob", big}}), Created: testTime}
	if _, _, err := m.Encode(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Encode: %v, want ErrTooLarge", err)
	}
}

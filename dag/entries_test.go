package dag

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/datamodel"
)

// A CIDv1 raw sha2-256 used as a link target in entries.
const testLinkCID = "bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba"

// dagJSON renders entries as DAG-JSON, failing the test on error.
func dagJSON(t testing.TB, n datamodel.Node) string {
	t.Helper()
	b, err := EntriesJSON(n)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// cborOf encodes a node as DAG-CBOR, to compare nodes by their bytes.
func cborOf(t testing.TB, n datamodel.Node) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := dagcbor.Encode(n, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseEntriesValid(t *testing.T) {
	tests := []struct {
		name, file, doc string
		want            string // DAG-JSON of the result: keys in byte order
	}{
		{"json empty", "m.json", `{}`, `{}`},
		{"json scalars", "m.json",
			`{"s": "x", "n": 42, "neg": -7, "t": true, "f": false, "z": null}`,
			`{"f":false,"n":42,"neg":-7,"s":"x","t":true,"z":null}`},
		{"json int limits", "m.json",
			`{"max": 9223372036854775807, "min": -9223372036854775808, "zero": 0}`,
			`{"max":9223372036854775807,"min":-9223372036854775808,"zero":0}`},
		{"json nested", "m.json",
			`{"source": {"repository": "https://example.com/r.git", "commit": "abc"}, "tags": ["a", 1, [true], {"k": "v"}]}`,
			`{"source":{"commit":"abc","repository":"https://example.com/r.git"},"tags":["a",1,[true],{"k":"v"}]}`},
		{"json link", "m.json",
			`{"license": {"text": {"/": "` + testLinkCID + `"}}}`,
			`{"license":{"text":{"/":"` + testLinkCID + `"}}}`},
		{"json map with a slash key and more is not a link", "m.json",
			`{"m": {"/": "` + testLinkCID + `", "x": "y"}}`,
			`{"m":{"/":"` + testLinkCID + `","x":"y"}}`},
		{"json unicode and escapes", "m.json",
			`{"name": "h\u00e9llo \"w\"", "emoji": "🙂"}`,
			`{"emoji":"🙂","name":"héllo \"w\""}`},
		{"json surrounding whitespace", "m.json", "\n\t {\"a\": 1}  \n\n", `{"a":1}`},
		{"extension in upper case", "M.JSON", `{"a": 1}`, `{"a":1}`},
		{"extension after dots in the name", "build.v1.json", `{"a": 1}`, `{"a":1}`},
		{"toml scalars", "m.toml",
			"s = \"x\"\nn = 42\nneg = -7\nt = true\nhex = 0xff\n",
			`{"hex":255,"n":42,"neg":-7,"s":"x","t":true}`},
		{"toml nested tables", "m.toml",
			"[source]\nrepository = \"https://example.com/r.git\"\ncommit = \"abc\"\n\n[build.env]\nCC = \"clang\"\n",
			`{"build":{"env":{"CC":"clang"}},"source":{"commit":"abc","repository":"https://example.com/r.git"}}`},
		{"toml dotted keys", "m.toml", "a.b.c = 1\n", `{"a":{"b":{"c":1}}}`},
		{"toml arrays of tables", "m.toml",
			"[[steps]]\nrun = \"make\"\n\n[[steps]]\nrun = \"make test\"\ncode = 0\n",
			`{"steps":[{"run":"make"},{"code":0,"run":"make test"}]}`},
		{"toml arrays", "m.toml", "a = [1, 2, 3]\nb = [\"x\", [true]]\nc = []\n", `{"a":[1,2,3],"b":["x",[true]],"c":[]}`},
		{"toml link", "m.toml", "[license]\ntext = { \"/\" = \"" + testLinkCID + "\" }\n",
			`{"license":{"text":{"/":"` + testLinkCID + `"}}}`},
		{"toml offset date-time becomes a string", "m.toml", "t = 1979-05-27T07:32:00Z\n", `{"t":"1979-05-27T07:32:00Z"}`},
		{"toml empty", "m.toml", "", `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ParseEntries(tc.file, []byte(tc.doc))
			if err != nil {
				t.Fatalf("ParseEntries: %v", err)
			}
			if n.Kind() != datamodel.Kind_Map {
				t.Fatalf("kind %s, want map", n.Kind())
			}
			if got := dagJSON(t, n); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestParseEntriesLink: {"/": cid} becomes a link node, not a map.
func TestParseEntriesLink(t *testing.T) {
	for _, doc := range []struct{ file, text string }{
		{"m.json", `{"sbom": {"/": "` + testLinkCID + `"}, "list": [{"/": "` + testLinkCID + `"}]}`},
		{"m.toml", "sbom = { \"/\" = \"" + testLinkCID + "\" }\nlist = [ { \"/\" = \"" + testLinkCID + "\" } ]\n"},
	} {
		t.Run(doc.file, func(t *testing.T) {
			n, err := ParseEntries(doc.file, []byte(doc.text))
			if err != nil {
				t.Fatal(err)
			}
			v, err := n.LookupByString("sbom")
			if err != nil {
				t.Fatal(err)
			}
			l, err := n.LookupByString("list")
			if err != nil {
				t.Fatal(err)
			}
			e, err := l.LookupByIndex(0)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range []datamodel.Node{v, e} {
				if x.Kind() != datamodel.Kind_Link {
					t.Fatalf("kind %s, want link", x.Kind())
				}
				lnk, _ := x.AsLink()
				if lnk.String() != testLinkCID {
					t.Errorf("link %s, want %s", lnk, testLinkCID)
				}
			}
		})
	}
}

func TestParseEntriesInvalid(t *testing.T) {
	deepJSON := func(levels int) string {
		return strings.Repeat(`{"a":`, levels-1) + `{}` + strings.Repeat(`}`, levels-1)
	}
	deepList := func(levels int) string { // a map holding levels-1 nested lists
		return `{"a":` + strings.Repeat(`[`, levels-1) + strings.Repeat(`]`, levels-1) + `}`
	}
	deepTOML := func(levels int) string { // a table header nesting levels-1 tables
		return "[" + strings.TrimSuffix(strings.Repeat("a.", levels-1), ".") + "]\n"
	}
	tests := []struct {
		name, file, doc string
		err             error
	}{
		{"json float", "m.json", `{"a": 1.5}`, ErrInvalidField},
		{"json integral float", "m.json", `{"a": 2.0}`, ErrInvalidField},
		{"json exponent", "m.json", `{"a": 1e3}`, ErrInvalidField},
		{"json negative zero float", "m.json", `{"a": -0.0}`, ErrInvalidField},
		{"json float in a list", "m.json", `{"a": [1, 2.5]}`, ErrInvalidField},
		{"json float deep", "m.json", `{"a": {"b": {"c": 0.1}}}`, ErrInvalidField},
		{"json int above int64", "m.json", `{"a": 9223372036854775808}`, ErrInvalidField},
		{"json int below int64", "m.json", `{"a": -9223372036854775809}`, ErrInvalidField},
		{"toml float", "m.toml", "a = 1.5\n", ErrInvalidField},
		{"toml integral float", "m.toml", "a = 2.0\n", ErrInvalidField},
		{"toml exponent", "m.toml", "a = 1e3\n", ErrInvalidField},
		{"toml nan", "m.toml", "a = nan\n", ErrInvalidField},
		{"toml inf", "m.toml", "a = inf\n", ErrInvalidField},
		{"toml float in a table array", "m.toml", "[[a]]\nb = 0.5\n", ErrInvalidField},

		{"json empty document", "m.json", ``, ErrMalformed},
		{"json whitespace only", "m.json", "  \n", ErrMalformed},
		{"json null document", "m.json", `null`, ErrMalformed},
		{"json array document", "m.json", `[{"a": 1}]`, ErrMalformed},
		{"json string document", "m.json", `"a"`, ErrMalformed},
		{"json unclosed", "m.json", `{"a": 1`, ErrMalformed},
		{"json missing value", "m.json", `{"a": }`, ErrMalformed},
		{"json trailing comma", "m.json", `{"a": 1,}`, ErrMalformed},
		{"json single quotes", "m.json", `{'a': 1}`, ErrMalformed},
		{"json comment", "m.json", `{"a": 1 /* c */}`, ErrMalformed},
		{"json bad escape", "m.json", `{"a": "\x"}`, ErrMalformed},
		{"json trailing object", "m.json", `{"a": 1} {"b": 2}`, ErrMalformed},
		{"json trailing brace", "m.json", `{"a": 1}}`, ErrMalformed},
		{"json trailing bracket", "m.json", `{"a": 1}]`, ErrMalformed},
		{"json trailing word", "m.json", `{"a": 1} x`, ErrMalformed},
		{"json trailing number", "m.json", `{"a": 1} 1`, ErrMalformed},
		{"json trailing comma after object", "m.json", `{"a": 1},`, ErrMalformed},
		{"toml missing value", "m.toml", "a = \n", ErrMalformed},
		{"toml duplicate key", "m.toml", "a = 1\na = 2\n", ErrMalformed},
		{"toml duplicate table", "m.toml", "[a]\nb = 1\n[a]\nc = 2\n", ErrMalformed},
		{"toml unclosed string", "m.toml", "a = \"x\n", ErrMalformed},
		{"toml json", "m.toml", `{"a": 1}`, ErrMalformed},
		{"json as toml", "m.json", "a = 1\n", ErrMalformed},

		{"yaml extension", "m.yaml", `{"a": 1}`, ErrMalformed},
		{"no extension", "metadata", `{"a": 1}`, ErrMalformed},
		{"backup extension", "m.json.bak", `{"a": 1}`, ErrMalformed},
		{"empty file name", "", `{"a": 1}`, ErrMalformed},

		{"json empty key", "m.json", `{"": 1}`, ErrInvalidField},
		{"json nested empty key", "m.json", `{"a": {"": 1}}`, ErrInvalidField},
		{"json empty key in a list", "m.json", `{"a": [{"": 1}]}`, ErrInvalidField},
		{"toml empty key", "m.toml", "\"\" = 1\n", ErrInvalidField},
		{"toml nested empty key", "m.toml", "[a]\n\"\" = 1\n", ErrInvalidField},

		{"json link with a bad cid", "m.json", `{"a": {"/": "bafynotacid"}}`, ErrInvalidCID},
		{"json link with an empty cid", "m.json", `{"a": {"/": ""}}`, ErrInvalidCID},
		{"toml link with a bad cid", "m.toml", "a = { \"/\" = \"Qm\" }\n", ErrInvalidCID},

		{"json maps past MaxEntriesDepth", "m.json", deepJSON(MaxEntriesDepth + 1), ErrTooDeep},
		{"json lists past MaxEntriesDepth", "m.json", deepList(MaxEntriesDepth + 1), ErrTooDeep},
		{"json scalar past MaxEntriesDepth", "m.json", strings.Repeat(`{"a":`, MaxEntriesDepth) + `1` + strings.Repeat(`}`, MaxEntriesDepth), ErrTooDeep},
		{"json far past MaxEntriesDepth", "m.json", deepJSON(1000), ErrTooDeep},
		{"toml tables past MaxEntriesDepth", "m.toml", deepTOML(MaxEntriesDepth + 1), ErrTooDeep},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ParseEntries(tc.file, []byte(tc.doc))
			if !errors.Is(err, tc.err) {
				t.Fatalf("ParseEntries = %v, %v; want error %v", n, err, tc.err)
			}
			if n != nil {
				t.Errorf("ParseEntries returned a node with an error")
			}
		})
	}

	// The boundaries themselves are accepted.
	for name, doc := range map[string]string{
		"m.json": deepJSON(MaxEntriesDepth),
		"l.json": deepList(MaxEntriesDepth),
		"m.toml": deepTOML(MaxEntriesDepth),
	} {
		t.Run("at MaxEntriesDepth "+name, func(t *testing.T) {
			n, err := ParseEntries(name, []byte(doc))
			if err != nil {
				t.Fatalf("ParseEntries: %v", err)
			}
			// A metadata set with these entries encodes and decodes.
			m := &MetadataSet{Subject: nodeCID(t, "s"), Kind: KindBuild, Entries: n, Created: testTime}
			b, _ := mustEncode(t, m)
			assertRoundTrip(t, NodeMetadata, b)
		})
	}
}

// TestParseEntriesSameInJSONAndTOML: one document in either format gives the
// same node, so the choice of format cannot change a CID.
func TestParseEntriesSameInJSONAndTOML(t *testing.T) {
	j, err := ParseEntries("m.json", []byte(`{
		"source": {"repository": "https://example.com/r.git", "commit": "abc"},
		"steps": [{"run": "make", "code": 0}, {"run": "make test", "code": 2}],
		"sbom": {"/": "`+testLinkCID+`"},
		"reproducible": true
	}`))
	if err != nil {
		t.Fatal(err)
	}
	tm, err := ParseEntries("m.toml", []byte(`reproducible = true
sbom = { "/" = "`+testLinkCID+`" }
[source]
commit = "abc"
repository = "https://example.com/r.git"
[[steps]]
run = "make"
code = 0
[[steps]]
run = "make test"
code = 2
`))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := cborOf(t, j), cborOf(t, tm); !bytes.Equal(a, b) {
		t.Fatalf("JSON and TOML differ:\n%s\n%s", dagJSON(t, j), dagJSON(t, tm))
	}
}

func TestMergeEntries(t *testing.T) {
	a, err := ParseEntries("a.json", []byte(`{"x": 1, "y": {"z": "2"}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseEntries("b.toml", []byte("w = \"3\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("disjoint", func(t *testing.T) {
		m, err := MergeEntries(a, nil, b)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := dagJSON(t, m), `{"w":"3","x":1,"y":{"z":"2"}}`; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
		if m.Length() != 3 {
			t.Errorf("length %d, want 3", m.Length())
		}
	})
	t.Run("none", func(t *testing.T) {
		m, err := MergeEntries()
		if err != nil || m.Kind() != datamodel.Kind_Map || m.Length() != 0 {
			t.Fatalf("MergeEntries() = %v, %v; want an empty map", m, err)
		}
	})
	t.Run("duplicate key", func(t *testing.T) {
		c, err := ParseEntries("c.json", []byte(`{"y": 5}`))
		if err != nil {
			t.Fatal(err)
		}
		m, err := MergeEntries(a, b, c)
		if !errors.Is(err, ErrInvalidField) || !strings.Contains(err.Error(), `"y"`) {
			t.Fatalf("MergeEntries = %v, %v; want ErrInvalidField naming y", m, err)
		}
	})
	t.Run("same map twice", func(t *testing.T) {
		if _, err := MergeEntries(a, a); !errors.Is(err, ErrInvalidField) {
			t.Fatalf("MergeEntries(a, a): %v, want ErrInvalidField", err)
		}
	})
	t.Run("not a map", func(t *testing.T) {
		if _, err := MergeEntries(a, toBasic(t, []any{"x"})); !errors.Is(err, ErrInvalidField) {
			t.Fatalf("MergeEntries(list): %v, want ErrInvalidField", err)
		}
		if _, err := MergeEntries(toBasic(t, "x")); !errors.Is(err, ErrInvalidField) {
			t.Fatalf("MergeEntries(string): %v, want ErrInvalidField", err)
		}
	})
}

func TestEntriesJSON(t *testing.T) {
	t.Run("nil", func(t *testing.T) {
		if got := dagJSON(t, nil); got != "{}" {
			t.Fatalf("EntriesJSON(nil) = %s", got)
		}
	})
	docs := []string{
		`{}`,
		`{"a":1,"b":"two","c":[true,false,null],"d":{"e":{"f":-3}}}`,
		`{"sbom":{"/":"` + testLinkCID + `"},"list":[{"/":"` + testLinkCID + `"}]}`,
		`{"unicode":"héllo 🙂","quote":"\"","newline":"a\nb"}`,
	}
	for _, doc := range docs {
		t.Run(doc, func(t *testing.T) {
			n, err := ParseEntries("m.json", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			out := dagJSON(t, n)
			again, err := ParseEntries("again.json", []byte(out))
			if err != nil {
				t.Fatalf("ParseEntries(EntriesJSON): %v\n%s", err, out)
			}
			if !bytes.Equal(cborOf(t, n), cborOf(t, again)) {
				t.Fatalf("round trip changed the entries:\n%s\n%s", doc, dagJSON(t, again))
			}
			if dagJSON(t, again) != out {
				t.Fatalf("EntriesJSON is not stable: %s then %s", out, dagJSON(t, again))
			}
		})
	}
	t.Run("metadata set entries", func(t *testing.T) {
		b := encodings(t)["metadata"]
		m, err := DecodeMetadataSet(b)
		if err != nil {
			t.Fatal(err)
		}
		got := dagJSON(t, m.Entries)
		for _, want := range []string{`"sbom":{"/":"bafkrei`, `"steps":3`, `"reproducible":true`, `"expression":"Apache-2.0 OR MIT"`} {
			if !strings.Contains(got, want) {
				t.Errorf("EntriesJSON = %s, missing %s", got, want)
			}
		}
	})
}

// TestEntriesInMetadataSet: entries parsed from a file survive an encode/decode
// cycle unchanged, nulls and links included.
func TestEntriesInMetadataSet(t *testing.T) {
	n, err := ParseEntries("m.json", []byte(`{"a": null, "b": [null, {"/": "`+testLinkCID+`"}], "c": {"d": null}}`))
	if err != nil {
		t.Fatal(err)
	}
	m := &MetadataSet{Subject: nodeCID(t, "s"), Kind: KindBuild, Entries: n, Created: testTime}
	b, _ := mustEncode(t, m)
	got, err := DecodeMetadataSet(b)
	if err != nil {
		t.Fatalf("DecodeMetadataSet: %v", err)
	}
	if !bytes.Equal(cborOf(t, got.Entries), cborOf(t, n)) {
		t.Fatalf("entries changed: %s, want %s", dagJSON(t, got.Entries), dagJSON(t, n))
	}
}

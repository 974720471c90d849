package dag

import (
	"errors"
	"testing"

	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	"github.com/ipld/go-ipld-prime/node/basicnode"
)

// TestStringFields: short fields that tools print must be valid UTF-8 without
// control characters (a terminal escape in a layer name is an attack on the
// person reading `cairn inspect`); entries must be valid UTF-8.
func TestStringFields(t *testing.T) {
	for _, bad := range []string{"a\x1b[31mred", "tab\there", "nul\x00", "bad\xffutf8", "del\x7f", "csi\u009b", "evil\u202etxt.exe", "zero\u200bwidth"} {
		t.Run("layer name "+bad, func(t *testing.T) {
			p := testPackage(t, "acme/hello", "1.0.0", []byte("x"))
			p.Layers[0].Name = bad
			if _, _, err := p.Encode(); !errors.Is(err, ErrInvalidField) {
				t.Fatalf("layer name %q: %v", bad, err)
			}
			p.Layers[0].Name = "ok"
			p.Layers[0].MediaType = bad
			if _, _, err := p.Encode(); !errors.Is(err, ErrInvalidField) {
				t.Fatalf("media type %q: %v", bad, err)
			}
		})
		t.Run("kind "+bad, func(t *testing.T) {
			m := &MetadataSet{Subject: nodeCID(t, "p"), Kind: bad, Created: testTime}
			if _, _, err := m.Encode(); !errors.Is(err, ErrInvalidField) {
				t.Fatalf("kind %q: %v", bad, err)
			}
		})
		t.Run("role "+bad, func(t *testing.T) {
			s := &Signature{Subject: nodeCID(t, "m"), Signer: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", Alg: AlgEd25519, Role: bad, Created: testTime, Sig: make([]byte, 64)}
			if _, _, err := s.Encode(); !errors.Is(err, ErrInvalidField) {
				t.Fatalf("role %q: %v", bad, err)
			}
		})
	}
	ok := []string{"ünïcødé", "日本語", "with space"}
	for _, s := range ok {
		p := testPackage(t, "acme/hello", "1.0.0", []byte("x"))
		p.Layers[0].Name = s
		if _, _, err := p.Encode(); err != nil {
			t.Fatalf("layer name %q: %v", s, err)
		}
	}

	for name, entry := range map[string]func(ma datamodel.MapAssembler){
		"value": func(ma datamodel.MapAssembler) { qp.MapEntry(ma, "k", qp.String("bad\xff")) },
		"key":   func(ma datamodel.MapAssembler) { qp.MapEntry(ma, "bad\xff", qp.String("v")) },
		"list": func(ma datamodel.MapAssembler) {
			qp.MapEntry(ma, "k", qp.List(-1, func(la datamodel.ListAssembler) { qp.ListEntry(la, qp.String("\xc3")) }))
		},
	} {
		t.Run("entries "+name, func(t *testing.T) {
			n, err := qp.BuildMap(basicnode.Prototype.Map, -1, entry)
			if err != nil {
				t.Fatal(err)
			}
			m := &MetadataSet{Subject: nodeCID(t, "p"), Kind: KindBuild, Entries: n, Created: testTime}
			if _, _, err := m.Encode(); !errors.Is(err, ErrInvalidField) {
				t.Fatalf("invalid UTF-8 in entries %s: %v", name, err)
			}
		})
	}
}

func TestTOMLTimesKeepTheirForm(t *testing.T) {
	doc := "odt = 1979-05-27T07:32:00-07:00\nutc = 1979-05-27T07:32:00Z\nldt = 1979-05-27T07:32:00.5\nld = 1979-05-27\nlt = 07:32:00\n"
	n, err := ParseEntries("t.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"odt": "1979-05-27T07:32:00-07:00", "utc": "1979-05-27T07:32:00Z",
		"ldt": "1979-05-27T07:32:00.5", "ld": "1979-05-27", "lt": "07:32:00",
	} {
		v, err := n.LookupByString(k)
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := v.AsString(); s != want {
			t.Errorf("%s = %q, want %q", k, s, want)
		}
	}
}

func TestJSONEntriesMustBeUTF8(t *testing.T) {
	if _, err := ParseEntries("m.json", []byte("{\"a\": \"\xff\"}")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("invalid UTF-8 in JSON: %v", err)
	}
	if _, err := ParseEntries("m.toml", []byte("a = \"\xff\"")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("invalid UTF-8 in TOML: %v", err)
	}
}

package dag

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/codec"
	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/datamodel"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
	"github.com/ipld/go-ipld-prime/node/basicnode"
)

// This file holds helpers shared by the tests: an ordered, mutable view of a
// decoded node, so strictness tests can take a valid encoding, change one thing and
// encode it again, canonically or not.

// kv is one entry of an omap.
type kv struct {
	k string
	v any
}

// omap is a map that keeps its insertion order, so that it can be encoded with its
// keys out of canonical order. Values are nil, bool, int64, uint64, float64, string,
// []byte, cid.Cid, []any or omap.
type omap []kv

func (m omap) get(k string) any {
	for _, e := range m {
		if e.k == k {
			return e.v
		}
	}
	return nil
}

// set replaces the value of k, or appends k if it is absent. It returns a copy.
func (m omap) set(k string, v any) omap {
	out := append(omap(nil), m...)
	for i, e := range out {
		if e.k == k {
			out[i].v = v
			return out
		}
	}
	return append(out, kv{k, v})
}

// del removes k. It returns a copy.
func (m omap) del(k string) omap {
	var out omap
	for _, e := range m {
		if e.k != k {
			out = append(out, e)
		}
	}
	return out
}

// reversed returns the entries in reverse order.
func (m omap) reversed() omap {
	out := make(omap, len(m))
	for i, e := range m {
		out[len(m)-1-i] = e
	}
	return out
}

// fromNode converts a data model node to plain Go values and omaps.
func fromNode(t testing.TB, n datamodel.Node) any {
	t.Helper()
	switch n.Kind() {
	case datamodel.Kind_Null:
		return nil
	case datamodel.Kind_Bool:
		v, _ := n.AsBool()
		return v
	case datamodel.Kind_Int:
		v, err := n.AsInt()
		if err != nil {
			t.Fatal(err)
		}
		return v
	case datamodel.Kind_Float:
		v, _ := n.AsFloat()
		return v
	case datamodel.Kind_String:
		v, _ := n.AsString()
		return v
	case datamodel.Kind_Bytes:
		v, _ := n.AsBytes()
		return v
	case datamodel.Kind_Link:
		l, _ := n.AsLink()
		return l.(cidlink.Link).Cid
	case datamodel.Kind_List:
		out := []any{}
		it := n.ListIterator()
		for !it.Done() {
			_, v, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fromNode(t, v))
		}
		return out
	case datamodel.Kind_Map:
		out := omap{}
		it := n.MapIterator()
		for !it.Done() {
			k, v, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			ks, _ := k.AsString()
			out = append(out, kv{ks, fromNode(t, v)})
		}
		return out
	}
	t.Fatalf("unexpected kind %s", n.Kind())
	return nil
}

// toNode converts plain Go values and omaps to a basicnode, keeping map order.
func toBasic(t testing.TB, v any) datamodel.Node {
	t.Helper()
	switch v := v.(type) {
	case nil:
		return datamodel.Null
	case bool:
		return basicnode.NewBool(v)
	case int:
		return basicnode.NewInt(int64(v))
	case int64:
		return basicnode.NewInt(v)
	case uint64:
		return basicnode.NewUint(v)
	case float64:
		return basicnode.NewFloat(v)
	case string:
		return basicnode.NewString(v)
	case []byte:
		return basicnode.NewBytes(v)
	case cid.Cid:
		return basicnode.NewLink(cidlink.Link{Cid: v})
	case []any:
		nb := basicnode.Prototype.List.NewBuilder()
		la, err := nb.BeginList(int64(len(v)))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range v {
			if err := la.AssembleValue().AssignNode(toBasic(t, e)); err != nil {
				t.Fatal(err)
			}
		}
		if err := la.Finish(); err != nil {
			t.Fatal(err)
		}
		return nb.Build()
	case omap:
		nb := basicnode.Prototype.Map.NewBuilder()
		ma, err := nb.BeginMap(int64(len(v)))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range v {
			if err := ma.AssembleKey().AssignString(e.k); err != nil {
				t.Fatal(err)
			}
			if err := ma.AssembleValue().AssignNode(toBasic(t, e.v)); err != nil {
				t.Fatal(err)
			}
		}
		if err := ma.Finish(); err != nil {
			t.Fatal(err)
		}
		return nb.Build()
	}
	t.Fatalf("toBasic: unsupported %T", v)
	return nil
}

// parseRaw decodes any DAG-CBOR into an omap (or other plain value).
func parseRaw(t testing.TB, data []byte) any {
	t.Helper()
	nb := basicnode.Prototype.Any.NewBuilder()
	if err := dagcbor.Decode(nb, bytes.NewReader(data)); err != nil {
		t.Fatalf("parseRaw: %v", err)
	}
	return fromNode(t, nb.Build())
}

// parseMap is parseRaw for a node that must be a map.
func parseMap(t testing.TB, data []byte) omap {
	t.Helper()
	m, ok := parseRaw(t, data).(omap)
	if !ok {
		t.Fatalf("parseMap: not a map")
	}
	return m
}

// encCanonical encodes v as canonical DAG-CBOR (keys sorted).
func encCanonical(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := dagcbor.Encode(toBasic(t, v), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encAsIs encodes v as DAG-CBOR keeping map keys in the omap's order.
func encAsIs(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	opts := dagcbor.EncodeOptions{AllowLinks: true, MapSortMode: codec.MapSortMode_None}
	if err := opts.Encode(toBasic(t, v), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// replaceOnce replaces the single occurrence of old in data, failing the test unless
// there is exactly one.
func replaceOnce(t testing.TB, data, old, new []byte) []byte {
	t.Helper()
	if n := bytes.Count(data, old); n != 1 {
		t.Fatalf("replaceOnce: % x occurs %d times, want 1", old, n)
	}
	return bytes.Replace(data, old, new, 1)
}

// cborText returns the CBOR encoding of a short text string (under 24 bytes).
func cborText(s string) []byte {
	if len(s) >= 24 {
		panic(fmt.Sprintf("cborText: %q too long", s))
	}
	return append([]byte{0x60 | byte(len(s))}, s...)
}

// nested returns entries nested depth maps deep: {"a": {"a": ... {} }}, so that
// the returned value itself is one level.
func nested(depth int) any {
	var v any = omap{}
	for i := 1; i < depth; i++ {
		v = omap{{"a", v}}
	}
	return v
}

// rawCID returns the raw-codec CID of data.
func rawCID(t testing.TB, data string) cid.Cid {
	t.Helper()
	c, _ := testContent(t, []byte(data))
	return c
}

// dagPBCID returns a dag-pb CID for data; the bytes need not be valid dag-pb, only
// the CID is used.
func dagPBCID(t testing.TB, data string) cid.Cid {
	t.Helper()
	c, err := cid.Prefix{Version: 1, Codec: cid.DagProtobuf, MhType: Prefix.MhType, MhLength: -1}.Sum([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// cidLink wraps a CID as a data model link.
func cidLink(c cid.Cid) datamodel.Link { return cidlink.Link{Cid: c} }

// encPairs hand-writes a CBOR map of m's entries in m's order, duplicates
// included, each value encoded canonically. It is for encodings that basicnode
// cannot build, such as a map with a repeated key.
func encPairs(t testing.TB, m omap) []byte {
	t.Helper()
	if len(m) >= 24 {
		t.Fatalf("encPairs: %d entries", len(m))
	}
	out := []byte{0xa0 | byte(len(m))}
	for _, e := range m {
		out = append(out, encCanonical(t, e.k)...)
		out = append(out, encCanonical(t, e.v)...)
	}
	return out
}

// nodeCID returns a CID shaped like a Cairn node's (CIDv1, dag-cbor, sha2-256)
// for data; only the CID is used.
func nodeCID(t testing.TB, data string) cid.Cid {
	t.Helper()
	c, err := Prefix.Sum([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

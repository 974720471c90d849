package dag

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime"
	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/node/basicnode"
	"github.com/ipld/go-ipld-prime/node/bindnode"
	"github.com/ipld/go-ipld-prime/schema"
	mh "github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/internal/textsafe"
)

// Limits on untrusted nodes. A node above them is an error, never truncated.
const (
	// MaxNodeSize bounds the encoded size of a Package, MetadataSet or Signature.
	MaxNodeSize = 1 << 20
	// MaxDepth bounds the nesting of maps and lists in a node (entries included).
	MaxDepth = 32
	// MaxLayers bounds the layers of a package.
	MaxLayers = 256
	// MaxInputs bounds the inputs of a metadata set.
	MaxInputs = 1024
	// MaxFieldLength bounds short string fields: kind, role, media type, layer name, signer.
	MaxFieldLength = 256
)

// Prefix is how every Cairn node is addressed: CIDv1, DAG-CBOR, sha2-256.
var Prefix = cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: mh.SHA2_256, MhLength: -1}

// TimeFormat is the layout of "created" fields: RFC 3339, UTC, whole seconds.
const TimeFormat = "2006-01-02T15:04:05Z"

//go:embed schema.ipldsch
var schemaText []byte

// typeSystem holds the compiled schema. It is read-only after package initialization;
// a schema that does not compile is a programming error caught by every test.
var typeSystem = mustLoadSchema()

func mustLoadSchema() *schema.TypeSystem {
	ts, err := ipld.LoadSchemaBytes(schemaText)
	if err != nil {
		panic(fmt.Sprintf("dag: schema.ipldsch: %v", err))
	}
	return ts
}

func prototype(goPtr any, typeName string) schema.TypedPrototype {
	return bindnode.Prototype(goPtr, typeSystem.TypeByName(typeName), anyConverter)
}

// anyConverter makes bindnode store Any values (metadata entries) as *datamodel.Node.
// Without it, bindnode refuses to assemble a null directly into an Any map value,
// so a metadata set with an entry such as {"a": null} would encode but not decode.
var anyConverter = bindnode.TypedAnyConverter((*datamodel.Node)(nil),
	func(n datamodel.Node) (any, error) { return &n, nil },
	func(v any) (datamodel.Node, error) {
		p, ok := v.(*datamodel.Node)
		if !ok || p == nil || *p == nil {
			return nil, fmt.Errorf("%w: missing entry value", ErrMalformed)
		}
		return *p, nil
	})

// encode returns the canonical DAG-CBOR bytes of a bindnode-wrapped value and its CID.
func encode(goPtr any, proto schema.TypedPrototype) ([]byte, cid.Cid, error) {
	node := bindnode.Wrap(goPtr, proto.Type(), anyConverter)
	var buf bytes.Buffer
	if err := dagcbor.Encode(node.Representation(), &buf); err != nil {
		return nil, cid.Undef, fmt.Errorf("%w: encode: %w", ErrMalformed, err)
	}
	if buf.Len() > MaxNodeSize {
		return nil, cid.Undef, fmt.Errorf("%w: %d bytes encoded, limit %d", ErrTooLarge, buf.Len(), MaxNodeSize)
	}
	c, err := Prefix.Sum(buf.Bytes())
	if err != nil {
		return nil, cid.Undef, err
	}
	return buf.Bytes(), c, nil
}

// decode parses untrusted bytes into the Go value behind proto. It rejects oversized
// input, nesting deeper than MaxDepth, any deviation from the schema (wrong types,
// missing or unknown fields), and any encoding that is not canonical DAG-CBOR.
// Bytes that do not fit the schema but carry a "type" field other than wantType are
// reported as ErrWrongKind (for example a MetadataSet given to DecodePackage).
func decode(data []byte, proto schema.TypedPrototype, wantType string) (any, error) {
	if len(data) > MaxNodeSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), MaxNodeSize)
	}
	nb := proto.Representation().NewBuilder()
	opts := dagcbor.DecodeOptions{AllowLinks: true, MaxDepth: MaxDepth}
	if err := opts.Decode(nb, bytes.NewReader(data)); err != nil {
		if errors.Is(err, dagcbor.ErrDecodeDepthExceeded) {
			return nil, fmt.Errorf("%w: more than %d levels", ErrTooDeep, MaxDepth)
		}
		if t, ok := typeField(data); ok && t != wantType {
			return nil, fmt.Errorf("%w: type %q, expected %q: %w", ErrWrongKind, t, wantType, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	// Re-encode exactly as encode does: the representation of the Go value. (The
	// builder's Build returns the type-level node, whose absent optional fields
	// encode as null, so it cannot be encoded directly.)
	v := bindnode.Unwrap(nb.Build())
	var again bytes.Buffer
	if err := dagcbor.Encode(bindnode.Wrap(v, proto.Type(), anyConverter).Representation(), &again); err != nil {
		return nil, fmt.Errorf("%w: re-encode: %w", ErrMalformed, err)
	}
	if !bytes.Equal(again.Bytes(), data) {
		return nil, ErrNotCanonical
	}
	return v, nil
}

// typeField returns the "type" string of a DAG-CBOR map, if it has one. It decodes
// schema-free, under the same limits as decode.
func typeField(data []byte) (string, bool) {
	nb := basicnode.Prototype.Any.NewBuilder()
	opts := dagcbor.DecodeOptions{AllowLinks: true, MaxDepth: MaxDepth}
	if err := opts.Decode(nb, bytes.NewReader(data)); err != nil {
		return "", false
	}
	n := nb.Build()
	if n.Kind() != datamodel.Kind_Map {
		return "", false
	}
	t, err := n.LookupByString("type")
	if err != nil {
		return "", false
	}
	s, err := t.AsString()
	return s, err == nil
}

// link returns the CID inside a link node.
func linkCID(l datamodel.Link) (cid.Cid, error) {
	c, err := cid.Parse(l.String())
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %w", ErrInvalidCID, err)
	}
	return c, nil
}

// ParseTime parses a "created" field.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeFormat, s)
	// time.Parse also accepts fractional seconds ("...05.5Z"), which FormatTime
	// drops: such a node would decode but not re-encode to its own bytes.
	if err != nil || FormatTime(t) != s {
		return time.Time{}, fmt.Errorf("%w: created %q: expected UTC RFC 3339 with whole seconds, like 2026-01-02T15:04:05Z", ErrInvalidField, s)
	}
	return t, nil
}

// FormatTime formats t as a "created" field.
func FormatTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(TimeFormat) }

func checkField(field, v string, required bool) error {
	return checkText(field, v, required, MaxFieldLength)
}

// checkText is checkField with a limit of its own: max bytes.
func checkText(field, v string, required bool, max int) error {
	if required && v == "" {
		return fmt.Errorf("%w: %s is empty", ErrInvalidField, field)
	}
	if len(v) > max {
		return fmt.Errorf("%w: %s is %d bytes, limit %d", ErrTooLarge, field, len(v), max)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%w: %s %q is not valid UTF-8", ErrInvalidField, field, v)
	}
	// Short fields are printed by tools: no control characters (terminal
	// escapes) and no format characters (bidi overrides, zero-width spaces).
	if i := strings.IndexFunc(v, unprintable); i >= 0 {
		return fmt.Errorf("%w: %s %q contains a control or format character", ErrInvalidField, field, v)
	}
	return nil
}

// unprintable reports control characters (C0, DEL, C1) and format characters
// (Unicode category Cf: bidi overrides, zero-width spaces), which can make
// printed text lie about what it says.
func unprintable(r rune) bool { return textsafe.Hidden(r) }

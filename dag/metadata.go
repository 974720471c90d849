package dag

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/node/basicnode"
)

// MetadataType is the "type" field of a MetadataSet node.
const MetadataType = "cairn/metadata@1"

// Well-known metadata kinds (docs/metadata.md). Any other non-empty kind is allowed.
const (
	KindBuild   = "build"
	KindLicense = "license"
	KindReview  = "review"
	KindMirror  = "mirror"
)

// MetadataSet is layer 2: open-ended facts about a package, such as how it was built.
// Its CID commits to the package's CID, so a signature over it commits to both.
type MetadataSet struct {
	Subject cid.Cid
	Kind    string
	// Entries is a map node (IPLD data model) of open-ended values; see entries.go to
	// build one from JSON or TOML.
	Entries datamodel.Node
	// Inputs are packages this one was made from: a provenance DAG.
	Inputs  []cid.Cid
	Created time.Time
}

type metadataWire struct {
	Type    string
	Subject cid.Cid
	Kind    string
	Entries entriesWire
	Inputs  []cid.Cid
	Created string
}

type entriesWire struct {
	Keys   []string
	Values map[string]*datamodel.Node // see anyConverter
}

var metadataProto = prototype((*metadataWire)(nil), "MetadataSet")

// Validate checks the rules of docs/formats.md that the schema alone does not.
func (m *MetadataSet) Validate() error {
	if !m.Subject.Defined() {
		return fmt.Errorf("%w: metadata set has no subject", ErrInvalidField)
	}
	if err := CheckNodeLink("subject", m.Subject); err != nil {
		return err
	}
	if err := checkField("kind", m.Kind, true); err != nil {
		return err
	}
	if len(m.Inputs) > MaxInputs {
		return fmt.Errorf("%w: %d inputs, limit %d", ErrTooLarge, len(m.Inputs), MaxInputs)
	}
	for i, in := range m.Inputs {
		if !in.Defined() {
			return fmt.Errorf("%w: input %d is undefined", ErrInvalidField, i)
		}
		if err := CheckNodeLink(fmt.Sprintf("input %d", i), in); err != nil {
			return err
		}
	}
	if m.Entries != nil && m.Entries.Kind() != datamodel.Kind_Map {
		return fmt.Errorf("%w: entries must be a map, got %s", ErrInvalidField, m.Entries.Kind())
	}
	if m.Entries != nil && entriesDepth(m.Entries, 1) > MaxEntriesDepth {
		return fmt.Errorf("%w: entries nest more than %d levels", ErrTooDeep, MaxEntriesDepth)
	}
	if m.Entries != nil {
		if err := entriesUTF8(m.Entries); err != nil {
			return err
		}
	}
	return nil
}

// entriesUTF8 requires every string and map key in n to be valid UTF-8, as
// DAG-CBOR does. (Control characters are allowed in values; tools print entries
// as JSON, which escapes them.)
func entriesUTF8(n datamodel.Node) error {
	switch n.Kind() {
	case datamodel.Kind_String:
		s, _ := n.AsString()
		if !utf8.ValidString(s) {
			return fmt.Errorf("%w: entries: string %q is not valid UTF-8", ErrInvalidField, s)
		}
	case datamodel.Kind_Map:
		for it := n.MapIterator(); it != nil && !it.Done(); {
			k, v, err := it.Next()
			if err != nil {
				return fmt.Errorf("%w: entries: %w", ErrMalformed, err)
			}
			if err := entriesUTF8(k); err != nil {
				return err
			}
			if err := entriesUTF8(v); err != nil {
				return err
			}
		}
	case datamodel.Kind_List:
		for it := n.ListIterator(); it != nil && !it.Done(); {
			_, v, err := it.Next()
			if err != nil {
				return fmt.Errorf("%w: entries: %w", ErrMalformed, err)
			}
			if err := entriesUTF8(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// entriesDepth returns the depth of the deepest value in n, counted as ParseEntries
// counts it: the entries map is at depth 1. It stops at MaxEntriesDepth+1.
func entriesDepth(n datamodel.Node, depth int) int {
	if depth > MaxEntriesDepth {
		return depth
	}
	deepest := depth
	switch n.Kind() {
	case datamodel.Kind_Map:
		for it := n.MapIterator(); it != nil && !it.Done(); {
			_, v, err := it.Next()
			if err != nil {
				break
			}
			deepest = max(deepest, entriesDepth(v, depth+1))
		}
	case datamodel.Kind_List:
		for it := n.ListIterator(); it != nil && !it.Done(); {
			_, v, err := it.Next()
			if err != nil {
				break
			}
			deepest = max(deepest, entriesDepth(v, depth+1))
		}
	}
	return deepest
}

// Encode validates m and returns its canonical bytes and CID.
func (m *MetadataSet) Encode() ([]byte, cid.Cid, error) {
	if err := m.Validate(); err != nil {
		return nil, cid.Undef, err
	}
	w := &metadataWire{
		Type: MetadataType, Subject: m.Subject, Kind: m.Kind,
		Inputs: m.Inputs, Created: FormatTime(m.Created),
		Entries: entriesWire{Values: map[string]*datamodel.Node{}},
	}
	if w.Inputs == nil {
		w.Inputs = []cid.Cid{}
	}
	if m.Entries != nil {
		it := m.Entries.MapIterator()
		for !it.Done() {
			k, v, err := it.Next()
			if err != nil {
				return nil, cid.Undef, fmt.Errorf("%w: entries: %w", ErrMalformed, err)
			}
			ks, err := k.AsString()
			if err != nil {
				return nil, cid.Undef, fmt.Errorf("%w: entries key: %w", ErrMalformed, err)
			}
			w.Entries.Keys = append(w.Entries.Keys, ks)
			w.Entries.Values[ks] = &v
		}
	}
	return encode(w, metadataProto)
}

// DecodeMetadataSet parses and validates untrusted bytes as a MetadataSet.
func DecodeMetadataSet(data []byte) (*MetadataSet, error) {
	v, err := decode(data, metadataProto, MetadataType)
	if err != nil {
		return nil, fmt.Errorf("metadata set: %w", err)
	}
	w := v.(*metadataWire)
	if w.Type != MetadataType {
		return nil, fmt.Errorf("%w: type %q, expected %q", ErrWrongKind, w.Type, MetadataType)
	}
	created, err := ParseTime(w.Created)
	if err != nil {
		return nil, err
	}
	entries, err := entriesNode(w.Entries)
	if err != nil {
		return nil, err
	}
	m := &MetadataSet{Subject: w.Subject, Kind: w.Kind, Entries: entries, Inputs: w.Inputs, Created: created}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func entriesNode(w entriesWire) (datamodel.Node, error) {
	nb := basicnode.Prototype.Map.NewBuilder()
	ma, err := nb.BeginMap(int64(len(w.Keys)))
	if err != nil {
		return nil, err
	}
	for _, k := range w.Keys {
		if err := ma.AssembleKey().AssignString(k); err != nil {
			return nil, fmt.Errorf("%w: entries: %w", ErrMalformed, err)
		}
		v := w.Values[k]
		if v == nil || *v == nil {
			return nil, fmt.Errorf("%w: entries: no value for %q", ErrMalformed, k)
		}
		if err := ma.AssembleValue().AssignNode(*v); err != nil {
			return nil, fmt.Errorf("%w: entries: %w", ErrMalformed, err)
		}
	}
	if err := ma.Finish(); err != nil {
		return nil, err
	}
	return nb.Build(), nil
}

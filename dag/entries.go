package dag

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/codec/dagjson"
	"github.com/ipld/go-ipld-prime/datamodel"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
	"github.com/ipld/go-ipld-prime/node/basicnode"
)

// MaxEntriesDepth bounds how deeply entries nest (maps and lists).
const MaxEntriesDepth = MaxDepth - 4

// ParseEntries reads metadata entries from a JSON or TOML document. The format is
// taken from the file name's extension (.json or .toml); the document must be a map.
// A map with the single key "/" holding a CID string, {"/": "bafy..."}, is a link (the
// DAG-JSON convention), so an entry can point at a LICENSE file or an SBOM by CID.
// Floating-point numbers are refused: write them as strings, so that every encoder
// produces the same bytes.
func ParseEntries(filename string, data []byte) (datamodel.Node, error) {
	var doc map[string]any
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".json":
		// encoding/json would turn invalid UTF-8 into U+FFFD without a word.
		if !utf8.Valid(data) {
			return nil, fmt.Errorf("%w: %s: not valid UTF-8", ErrMalformed, filename)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, filename, err)
		}
		// dec.More is not enough: it reports false before a stray '}' or ']'.
		if _, err := dec.Token(); err != io.EOF {
			return nil, fmt.Errorf("%w: %s: trailing data after the JSON object", ErrMalformed, filename)
		}
	case ".toml":
		if _, err := toml.Decode(string(data), &doc); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, filename, err)
		}
	default:
		return nil, fmt.Errorf("%w: %s: metadata files must end in .json or .toml", ErrMalformed, filename)
	}
	if doc == nil {
		return nil, fmt.Errorf("%w: %s: expected a JSON object or TOML table", ErrMalformed, filename)
	}
	n, err := toNode(doc, 1)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	return n, nil
}

// MergeEntries combines maps of entries; a key present in more than one is an error.
// A nil map is skipped; a node that is not a map is an error.
func MergeEntries(maps ...datamodel.Node) (datamodel.Node, error) {
	nb := basicnode.Prototype.Map.NewBuilder()
	ma, err := nb.BeginMap(0)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, m := range maps {
		if m == nil {
			continue // no entries
		}
		if m.Kind() != datamodel.Kind_Map {
			return nil, fmt.Errorf("%w: entries %d must be a map, got %s", ErrInvalidField, i, m.Kind())
		}
		it := m.MapIterator()
		for !it.Done() {
			k, v, err := it.Next()
			if err != nil {
				return nil, err
			}
			ks, _ := k.AsString()
			if seen[ks] {
				return nil, fmt.Errorf("%w: entry %q is given twice", ErrInvalidField, ks)
			}
			seen[ks] = true
			if err := ma.AssembleKey().AssignString(ks); err != nil {
				return nil, err
			}
			if err := ma.AssembleValue().AssignNode(v); err != nil {
				return nil, err
			}
		}
	}
	if err := ma.Finish(); err != nil {
		return nil, err
	}
	return nb.Build(), nil
}

// EntriesJSON renders entries as DAG-JSON (links as {"/": "..."}), for display.
func EntriesJSON(n datamodel.Node) (json.RawMessage, error) {
	if n == nil {
		return json.RawMessage("{}"), nil
	}
	var buf bytes.Buffer
	if err := dagjson.Encode(n, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EntriesNode builds the entries of a metadata set from Go values, as
// ParseEntries does from a file: a map of strings, bools, integers (int64,
// json.Number), bytes, times, lists, maps and {"/": CID} links, nested at
// most MaxEntriesDepth levels.
func EntriesNode(v map[string]any) (datamodel.Node, error) { return toNode(v, 1) }

func toNode(v any, depth int) (datamodel.Node, error) {
	if depth > MaxEntriesDepth {
		return nil, fmt.Errorf("%w: entries nest more than %d levels", ErrTooDeep, MaxEntriesDepth)
	}
	switch v := v.(type) {
	case nil:
		return datamodel.Null, nil
	case bool:
		return basicnode.NewBool(v), nil
	case string:
		return basicnode.NewString(v), nil
	case []byte:
		return basicnode.NewBytes(v), nil
	case int64:
		return basicnode.NewInt(v), nil
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return nil, fmt.Errorf("%w: number %s: only integers are allowed; write other numbers as strings", ErrInvalidField, v)
		}
		return basicnode.NewInt(i), nil
	case float64:
		// TOML floats, even integral ones such as 2.0 or 1e3: JSON refuses those too.
		return nil, fmt.Errorf("%w: number %v: only integers are allowed; write other numbers as strings", ErrInvalidField, v)
	case time.Time:
		return basicnode.NewString(formatTOMLTime(v)), nil
	case []any:
		return listNode(v, depth)
	case []map[string]any: // TOML arrays of tables
		l := make([]any, len(v))
		for i := range v {
			l[i] = v[i]
		}
		return listNode(l, depth)
	case map[string]any:
		if s, ok := v["/"].(string); ok && len(v) == 1 {
			c, err := cid.Decode(s)
			if err != nil {
				return nil, fmt.Errorf("%w: link {\"/\": %q}: %w", ErrInvalidCID, s, err)
			}
			return basicnode.NewLink(cidlink.Link{Cid: c}), nil
		}
		return mapNode(v, depth)
	default:
		return nil, fmt.Errorf("%w: unsupported value of type %T", ErrInvalidField, v)
	}
}

func listNode(v []any, depth int) (datamodel.Node, error) {
	nb := basicnode.Prototype.List.NewBuilder()
	la, err := nb.BeginList(int64(len(v)))
	if err != nil {
		return nil, err
	}
	for _, e := range v {
		n, err := toNode(e, depth+1)
		if err != nil {
			return nil, err
		}
		if err := la.AssembleValue().AssignNode(n); err != nil {
			return nil, err
		}
	}
	if err := la.Finish(); err != nil {
		return nil, err
	}
	return nb.Build(), nil
}

func mapNode(v map[string]any, depth int) (datamodel.Node, error) {
	keys := make([]string, 0, len(v))
	for k := range v {
		if k == "" {
			return nil, fmt.Errorf("%w: empty key in entries", ErrInvalidField)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	nb := basicnode.Prototype.Map.NewBuilder()
	ma, err := nb.BeginMap(int64(len(keys)))
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		n, err := toNode(v[k], depth+1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if err := ma.AssembleKey().AssignString(k); err != nil {
			return nil, err
		}
		if err := ma.AssembleValue().AssignNode(n); err != nil {
			return nil, err
		}
	}
	if err := ma.Finish(); err != nil {
		return nil, err
	}
	return nb.Build(), nil
}

// formatTOMLTime writes a TOML date or time as the string it was in the file:
// an offset date-time as RFC 3339 with its offset, and a local date-time, date
// or time without one (the TOML decoder marks those by the zone's name), so no
// time zone is invented.
func formatTOMLTime(t time.Time) string {
	switch t.Location().String() {
	case "datetime-local":
		return t.Format("2006-01-02T15:04:05.999999999")
	case "date-local":
		return t.Format("2006-01-02")
	case "time-local":
		return t.Format("15:04:05.999999999")
	}
	return t.Format(time.RFC3339Nano)
}

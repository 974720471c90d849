package webui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// wellKnown names the entry keys of docs/metadata.md ("Well-known keys").
var wellKnown = map[string]string{
	"source.repository":        "source repository",
	"source.commit":            "source commit",
	"source.ref":               "source ref",
	"license.expression":       "license (SPDX expression)",
	"license.file":             "license file",
	"build.environment":        "build environment hash",
	"build.builder":            "builder",
	"build.command":            "build command",
	"build.started":            "build started",
	"build.finished":           "build finished",
	"distribution.permissions": "distribution permissions",
	"distribution.notes":       "distribution notes",
}

// maxEntryRows bounds the rows one metadata set's table shows.
const maxEntryRows = 500

// entryRow is one leaf of a metadata set's entries: its dotted key, the
// well-known name of the key if it has one, and the value as text.
type entryRow struct {
	Key   string
	Known string
	Value string
	// Link is set when the value is an IPLD link ({"/": CID}).
	Link bool
}

// entryTable flattens entries (DAG-JSON, as dag.EntriesJSON writes them)
// into rows, in their order: maps become dotted keys (a key holding a dot
// is quoted), lists of scalars and empty containers stay JSON, lists of
// maps are numbered. more counts the rows left out past maxEntryRows.
func entryTable(entries json.RawMessage) (rows []entryRow, more int, err error) {
	if len(entries) == 0 {
		return nil, 0, nil
	}
	if !json.Valid(entries) {
		return nil, 0, fmt.Errorf("entries: not JSON")
	}
	// Decoding into a map would lose the order of keys: walk the members.
	f := flattener{}
	if err := f.value(entries, nil); err != nil {
		return nil, 0, fmt.Errorf("entries: %w", err)
	}
	if len(f.rows) > maxEntryRows {
		return f.rows[:maxEntryRows], len(f.rows) - maxEntryRows, nil
	}
	return f.rows, 0, nil
}

type flattener struct{ rows []entryRow }

// value adds the rows of raw, found under path.
func (f *flattener) value(raw json.RawMessage, path []string) error {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return nil
	}
	switch trimmed[0] {
	case '{':
		keys, vals, err := objectMembers(trimmed)
		if err != nil {
			return err
		}
		if len(keys) == 1 && keys[0] == "/" {
			var s string
			if json.Unmarshal(vals[0], &s) == nil { // a link
				f.add(path, s, true)
				return nil
			}
		}
		if len(keys) == 0 {
			if len(path) > 0 {
				f.add(path, "{}", false)
			}
			return nil
		}
		for i, k := range keys {
			if err := f.value(vals[i], append(path[:len(path):len(path)], k)); err != nil {
				return err
			}
		}
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(trimmed, &items); err != nil {
			return err
		}
		nested := false
		for _, it := range items {
			if t := bytes.TrimSpace(it); len(t) > 0 && t[0] == '{' && !isLink(t) {
				nested = true
			}
		}
		if !nested {
			f.add(path, compact(trimmed), false)
			return nil
		}
		for i, it := range items {
			if err := f.value(it, append(path[:len(path):len(path)], fmt.Sprintf("[%d]", i))); err != nil {
				return err
			}
		}
	case '"':
		var s string
		if err := json.Unmarshal(trimmed, &s); err != nil {
			return err
		}
		f.add(path, s, false)
	default: // number, true, false, null
		f.add(path, string(trimmed), false)
	}
	return nil
}

func (f *flattener) add(path []string, value string, link bool) {
	parts := make([]string, len(path))
	for i, p := range path {
		if strings.Contains(p, ".") || p == "" {
			p = fmt.Sprintf("%q", p)
		}
		parts[i] = p
	}
	key := strings.Join(parts, ".")
	key = strings.ReplaceAll(key, ".[", "[")
	f.rows = append(f.rows, entryRow{Key: key, Known: wellKnown[key], Value: value, Link: link})
}

// objectMembers returns an object's keys and values in their order.
func objectMembers(obj []byte) ([]string, []json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return nil, nil, err
	}
	var (
		keys []string
		vals []json.RawMessage
	)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		keys, vals = append(keys, k), append(vals, v)
	}
	return keys, vals, nil
}

func isLink(obj []byte) bool {
	keys, vals, err := objectMembers(obj)
	if err != nil || len(keys) != 1 || keys[0] != "/" {
		return false
	}
	var s string
	return json.Unmarshal(vals[0], &s) == nil
}

func compact(b []byte) string {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return string(b)
	}
	return out.String()
}

package webui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestEntryTable(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // "key=value" rows, "key=value (known)" with a name, "key=>cid" for links
	}{
		{"empty", `{}`, nil},
		{"order kept", `{"z":1,"a":"x","m":true}`, []string{"z=1", "a=x", "m=true"}},
		{"nesting", `{"source":{"repository":"r","commit":"c"},"x":{"y":{"z":null}}}`,
			[]string{"source.repository=r (source repository)", "source.commit=c (source commit)", "x.y.z=null"}},
		{"dots and empty keys quoted", `{"a.b":{"":"v"}}`, []string{`"a.b".""=v`}},
		{"lists", `{"l":[1,"two",{"/":"bafy"}],"m":[{"k":1},{"k":2}],"e":[],"o":{}}`,
			[]string{`l=[1,"two",{"/":"bafy"}]`, "m[0].k=1", "m[1].k=2", "e=[]", "o={}"}},
		{"links", `{"license":{"file":{"/":"bafkrei"}},"fake":{"/":1}}`, []string{"license.file=>bafkrei (license file)", "fake./=1"}},
		{"big numbers", `{"n":12345678901234567890}`, []string{"n=12345678901234567890"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, more, err := entryTable(json.RawMessage(tc.in))
			if err != nil || more != 0 {
				t.Fatalf("entryTable: %v, %d more", err, more)
			}
			var got []string
			for _, r := range rows {
				s := r.Key + "=" + r.Value
				if r.Link {
					s = r.Key + "=>" + r.Value
				}
				if r.Known != "" {
					s += " (" + r.Known + ")"
				}
				got = append(got, s)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
	var b strings.Builder
	b.WriteString("{")
	for i := range maxEntryRows + 7 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	b.WriteString("}")
	rows, more, err := entryTable(json.RawMessage(b.String()))
	if err != nil || len(rows) != maxEntryRows || more != 7 {
		t.Errorf("%d rows, %d more, %v; want %d and 7", len(rows), more, err, maxEntryRows)
	}
	if _, _, err := entryTable(json.RawMessage(`{"a":`)); err == nil {
		t.Errorf("broken JSON: no error")
	}
}

func TestVisible(t *testing.T) {
	for in, want := range map[string]string{
		"plain":             "plain",
		"a\u202eb":          `a\u202eb`,
		"\x1b[31mred":       `\u001b[31mred`,
		"zero\u200bwidth":   `zero\u200bwidth`,
		"tab\there":         `tab\u0009here`,
		"ümlaut ok, 日本語 ok": "ümlaut ok, 日本語 ok",
	} {
		if got := visible(in); got != want {
			t.Errorf("visible(%q) = %q, want %q", in, got, want)
		}
	}
}

package main

import "testing"

func TestSafeText(t *testing.T) {
	for in, want := range map[string]string{
		"plain ünïcødé":           "plain ünïcødé",
		"\x1b[2J cleared":         `\u001b[2J cleared`,
		"csi \u009b31m":           `csi \u009b31m`,
		"file\u202etxt.exe":       `file\u202etxt.exe`,
		"del\x7f":                 `del\u007f`,
		`{"k":"already \u001b"}`:  `{"k":"already \u001b"}`,
		"zero\u200bwidth":         `zero\u200bwidth`,
		"tab\tand newline\n kept": `tab\u0009and newline\u000a kept`,
	} {
		if got := safeText(in); got != want {
			t.Errorf("safeText(%q) = %q, want %q", in, got, want)
		}
	}
}

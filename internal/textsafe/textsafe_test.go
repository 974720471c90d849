package textsafe

import "testing"

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"acme/app@1.0.0":        "acme/app@1.0.0",
		"ok\x1b[2Jcleared":      `ok\u001b[2Jcleared`,
		"1.0.0\u202e9.9.9":      `1.0.0\u202e9.9.9`,
		"zero\u200bwidth":       `zero\u200bwidth`,
		"tab\tand\nnewline\x7f": `tab\u0009and\u000anewline\u007f`,
		"naïve ünïcode — is ok": "naïve ünïcode — is ok",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

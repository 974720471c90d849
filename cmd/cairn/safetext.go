package main

import (
	"fmt"
	"strings"
	"unicode"
)

// safeText escapes what a terminal would act on or hide: control characters
// (C0, DEL, C1: escape sequences) and format characters (bidi overrides,
// zero-width spaces). Metadata entries are anyone's text; printing them raw
// would let a metadata set rewrite the screen that shows its verdict.
func safeText(s string) string {
	if strings.IndexFunc(s, hideous) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if hideous(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hideous(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }

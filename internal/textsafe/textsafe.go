// Package textsafe makes text from the network safe to show: characters a
// terminal would act on, or that would hide or reorder the text around them
// on a terminal or a page, are written as \uXXXX escapes.
package textsafe

import (
	"fmt"
	"strings"
	"unicode"
)

// Hidden reports the characters Escape escapes: control characters (C0,
// DEL, C1: terminal escape sequences) and format characters (Unicode
// category Cf: bidi overrides and isolates, zero-width spaces), which can
// make shown text lie about what it says (a U+202E in a version can make
// "1.0.0" read as another).
func Hidden(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }

// Escape returns s with every Hidden character written as \uXXXX.
func Escape(s string) string {
	if strings.IndexFunc(s, Hidden) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if Hidden(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

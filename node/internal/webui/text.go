package webui

import (
	"github.com/cairnpkg/cairn/internal/textsafe"
)

// visible makes the characters a page would act on or hide visible as
// \uXXXX escapes: control characters (C0, DEL, C1) and format characters
// (bidi overrides and isolates, zero-width spaces). html/template escapes
// markup; this keeps a name or an entry from reordering or hiding the text
// around it (a U+202E in a version can make "1.0.0" read as another). The
// CLI does the same for terminals (cmd/cairn safetext.go).
func visible(s string) string { return textsafe.Escape(s) }

// clip shortens s to at most n runes, with an ellipsis, for the labels of
// the provenance graph; the full text is in the node's title.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

package main

import "github.com/cairnpkg/cairn/internal/textsafe"

// safeText escapes what a terminal would act on or hide: control characters
// (C0, DEL, C1: escape sequences) and format characters (bidi overrides,
// zero-width spaces). Metadata entries are anyone's text; printing them raw
// would let a metadata set rewrite the screen that shows its verdict.
func safeText(s string) string { return textsafe.Escape(s) }

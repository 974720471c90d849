package sign

import (
	"fmt"
	"strings"

	"github.com/cairnpkg/cairn/dag"
)

// Pattern selects package names. Three forms (docs/trust.md):
//
//	pattern       selects
//	*             every package
//	acme/*        every package in namespace acme
//	acme/hello    exactly acme/hello
type Pattern string

// ParsePattern checks a pattern's grammar.
func ParsePattern(s string) (Pattern, error) {
	if s == "*" {
		return Pattern(s), nil
	}
	ns, rest, ok := strings.Cut(s, "/")
	if ok && rest == "*" {
		if _, err := dag.ParseName(ns + "/x"); err != nil {
			return "", fmt.Errorf("%w: %q: bad namespace", ErrInvalidPattern, s)
		}
		return Pattern(s), nil
	}
	if _, err := dag.ParseName(s); err != nil {
		return "", fmt.Errorf("%w: %q: expected *, NAMESPACE/* or NAMESPACE/NAME", ErrInvalidPattern, s)
	}
	return Pattern(s), nil
}

// Match reports whether the pattern selects name.
func (p Pattern) Match(name dag.Name) bool {
	switch {
	case p == "*":
		return true
	case strings.HasSuffix(string(p), "/*"):
		return strings.TrimSuffix(string(p), "/*") == name.Namespace
	default:
		return string(p) == name.String()
	}
}

// specificity orders patterns: an exact name beats a namespace, which beats "*".
func (p Pattern) specificity() int {
	switch {
	case p == "*":
		return 0
	case strings.HasSuffix(string(p), "/*"):
		return 1
	default:
		return 2
	}
}

// Overlaps reports whether some package name matches both p and q.
func (p Pattern) Overlaps(q Pattern) bool {
	if p == "*" || q == "*" {
		return true
	}
	ns := func(x Pattern) string { n, _, _ := strings.Cut(string(x), "/"); return n }
	if ns(p) != ns(q) {
		return false
	}
	return p.specificity() == 1 || q.specificity() == 1 || p == q
}

package dag

import (
	"cmp"
	"slices"
	"strings"
)

// CompareVersions orders two valid semantic versions by precedence (semver.org
// §11): major, minor, patch numerically; a pre-release before its release;
// pre-release identifiers numerically or lexically, shorter first. Build
// metadata does not affect precedence; it breaks ties lexically so the order is
// total. Invalid versions compare as strings after valid ones.
func CompareVersions(a, b string) int {
	_, errA := ParseVersion(a)
	_, errB := ParseVersion(b)
	return compareChecked(a, b, errA == nil, errB == nil)
}

// SortVersions sorts vs in the order of CompareVersions, checking each
// version once rather than at every comparison.
func SortVersions(vs []string) {
	valid := make(map[string]bool, len(vs))
	for _, v := range vs {
		_, err := ParseVersion(v)
		valid[v] = err == nil
	}
	slices.SortFunc(vs, func(a, b string) int { return compareChecked(a, b, valid[a], valid[b]) })
}

// compareChecked is CompareVersions of a and b, whose validity is known.
func compareChecked(a, b string, validA, validB bool) int {
	switch {
	case !validA && !validB:
		return strings.Compare(a, b)
	case !validA:
		return 1
	case !validB:
		return -1
	}
	coreA, buildA, _ := strings.Cut(a, "+")
	coreB, buildB, _ := strings.Cut(b, "+")
	relA, preA, hasPreA := strings.Cut(coreA, "-")
	relB, preB, hasPreB := strings.Cut(coreB, "-")
	if c := compareIdentifiers(strings.Split(relA, "."), strings.Split(relB, ".")); c != 0 {
		return c
	}
	switch {
	case hasPreA && !hasPreB:
		return -1
	case !hasPreA && hasPreB:
		return 1
	case hasPreA:
		if c := compareIdentifiers(strings.Split(preA, "."), strings.Split(preB, ".")); c != 0 {
			return c
		}
	}
	return strings.Compare(buildA, buildB)
}

func compareIdentifiers(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		numA, numB := isDigits(a[i]), isDigits(b[i])
		var c int
		switch {
		case numA && numB: // no leading zeros (ParseVersion), so longer is larger
			c = cmp.Or(cmp.Compare(len(a[i]), len(b[i])), strings.Compare(a[i], b[i]))
		case numA: // numeric identifiers sort before alphanumeric ones
			c = -1
		case numB:
			c = 1
		default:
			c = strings.Compare(a[i], b[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

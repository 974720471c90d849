package dag

import (
	"fmt"
	"regexp"
	"strings"
)

// Name is a package name, "namespace/name". See docs/formats.md for the grammar:
// a namespace of 1-64 characters [a-z0-9-], starting and ending with [a-z0-9];
// a name of 1-128 characters [a-z0-9._-], starting and ending with [a-z0-9].
type Name struct {
	Namespace string
	Short     string
}

var (
	namespaceRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$`)
	shortNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?$`)
	// semverRE is the regular expression suggested by semver.org, anchored.
	semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
		`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
		`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
)

// MaxVersionLength bounds a version string.
const MaxVersionLength = 128

// ParseName parses "namespace/name".
func ParseName(s string) (Name, error) {
	ns, short, ok := strings.Cut(s, "/")
	if !ok {
		return Name{}, fmt.Errorf("%w: %q: expected namespace/name", ErrInvalidName, s)
	}
	if !namespaceRE.MatchString(ns) {
		return Name{}, fmt.Errorf("%w: %q: namespace must be 1-64 of [a-z0-9-], starting and ending with a letter or digit", ErrInvalidName, s)
	}
	if !shortNameRE.MatchString(short) {
		return Name{}, fmt.Errorf("%w: %q: name must be 1-128 of [a-z0-9._-], starting and ending with a letter or digit", ErrInvalidName, s)
	}
	return Name{Namespace: ns, Short: short}, nil
}

// String returns "namespace/name".
func (n Name) String() string { return n.Namespace + "/" + n.Short }

// ParseVersion checks that s is a semantic version (2.0.0) and returns it.
func ParseVersion(s string) (string, error) {
	if len(s) > MaxVersionLength || !semverRE.MatchString(s) {
		return "", fmt.Errorf("%w: %q: expected a semantic version such as 1.2.0 or 2.0.0-rc.1", ErrInvalidVersion, s)
	}
	return s, nil
}

// Ref is a reference to a package by name and version, "namespace/name@version".
type Ref struct {
	Name    Name
	Version string
}

// ParseRef parses "namespace/name@version".
func ParseRef(s string) (Ref, error) {
	n, v, ok := strings.Cut(s, "@")
	if !ok {
		return Ref{}, fmt.Errorf("%w: %q: expected namespace/name@version", ErrInvalidName, s)
	}
	name, err := ParseName(n)
	if err != nil {
		return Ref{}, err
	}
	if _, err := ParseVersion(v); err != nil {
		return Ref{}, err
	}
	return Ref{Name: name, Version: v}, nil
}

// String returns "namespace/name@version".
func (r Ref) String() string { return r.Name.String() + "@" + r.Version }

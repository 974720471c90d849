package trust

import (
	"github.com/cairnpkg/cairn/internal/errkind"
)

// Errors returned by this package.
var (
	// ErrUntrusted: a package is not trusted under the policy, so it was not
	// kept (fetch, import, mirror); the report says why.
	ErrUntrusted = errkind.New("package is not trusted", errkind.Untrusted)
	// ErrEquivocation: signed publisher-log entries of keys the policy trusts
	// name different packages as one name@version, so the name does not
	// resolve (docs/logs.md). The evidence is kept.
	ErrEquivocation = errkind.New("equivocation", errkind.Untrusted)
	// ErrStale: the rule that decides a name has a max_age, and the node
	// has heard nothing from its keys for longer (docs/trust.md §7).
	ErrStale = errkind.New("stale", errkind.Stale)
	// ErrYanked: keys that meet the rule for a name withdrew the version
	// (docs/trust.md §6).
	ErrYanked = errkind.New("yanked", errkind.Untrusted)
)

// Package errkind holds the few kinds that Cairn's errors fall into, so that
// one check tells what kind of failure an error is, whichever layer made it:
// the CLI turns kinds into exit codes, the API into HTTP statuses. Each
// package keeps its own documented sentinels (dag.ErrInvalidCID,
// sign.ErrKeyNotFound, …); a sentinel made with New wraps its kind, and its
// message stays its own.
//
//	var ErrInvalidCID = errkind.New("invalid cid", errkind.Invalid)
//	errors.Is(fmt.Errorf("%w: %q", ErrInvalidCID, s), errkind.Invalid) // true
package errkind

import "errors"

// The kinds.
var (
	// Invalid: the input (an argument, a file, a request, bytes from a peer
	// given as input) breaks a rule; the same input fails again.
	Invalid = errors.New("invalid input")
	// NotFound: no such package, version, key, block or repo.
	NotFound = errors.New("not found")
	// Untrusted: the policy does not trust it, or its name is disputed.
	Untrusted = errors.New("not trusted")
	// Timeout: the work did not finish in its time.
	Timeout = errors.New("timed out")
	// Stale: the node has not heard from the keys that decide a name for
	// longer than its policy allows, so it will not resolve the name.
	Stale = errors.New("stale")
)

// New returns a sentinel error with message msg that errors.Is matches to
// kind.
func New(msg string, kind error) error { return &sentinel{msg: msg, kind: kind} }

type sentinel struct {
	msg  string
	kind error
}

func (s *sentinel) Error() string { return s.msg }
func (s *sentinel) Unwrap() error { return s.kind }

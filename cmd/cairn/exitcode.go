package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cairnpkg/cairn/node"
)

// Exit codes (docs/cli.md). Errors become exit codes here and nowhere else.
const (
	exitOK          = 0
	exitError       = 1 // anything not below
	exitUsage       = 2 // bad flags, arguments or input files
	exitUntrusted   = 3 // verify: the package is not trusted under the policy (or its name@version is in equivocation)
	exitNotFound    = 4 // no such package, version, key or block
	exitLocked      = 5 // another process holds the repo
	exitTimeout     = 6 // the work did not finish in its time (fetch --timeout)
	exitStale       = 7 // a name's rule has a max_age, and its keys have been quiet longer
	exitDamaged     = 8 // repo verify found problems in the repo
	exitInterrupted = 130
)

// errUntrusted is returned by verify and fetch when the verdict is not valid.
var errUntrusted = fmt.Errorf("%w", node.ErrUntrusted)

// usageError marks an error in how cairn was called.
type usageError struct{ err error }

// usageErrorf makes a usageError.
func usageErrorf(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// exitCode turns an error into an exit code by its kind (node.ErrUntrusted,
// ErrTimeout, ErrNotFound, ErrInvalidInput: every layer's errors are of one
// of them, or of none).
func exitCode(err error) int {
	switch {
	case errors.Is(err, node.ErrUntrusted):
		return exitUntrusted
	case errors.Is(err, node.ErrRepoDamaged):
		return exitDamaged
	case errors.Is(err, node.ErrStale):
		return exitStale
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.Is(err, node.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return exitTimeout
	case errors.Is(err, node.ErrRepoLocked):
		return exitLocked
	case errors.Is(err, node.ErrNotFound):
		return exitNotFound
	case errors.As(err, new(usageError)), errors.Is(err, node.ErrInvalidInput):
		return exitUsage
	}
	return exitError
}

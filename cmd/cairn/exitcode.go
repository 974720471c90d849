package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node"
	"github.com/cairnpkg/cairn/sign"
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
	exitInterrupted = 130
)

// errUntrusted is returned by verify when the verdict is not valid.
var errUntrusted = errors.New("not trusted")

// usageError marks an error in how cairn was called.
type usageError struct{ err error }

// usageErrorf makes a usageError.
func usageErrorf(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func exitCode(err error) int {
	switch {
	case errors.Is(err, errUntrusted), errors.Is(err, node.ErrUntrusted), errors.Is(err, node.ErrEquivocation):
		return exitUntrusted
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.Is(err, node.ErrDaemonTimeout), errors.Is(err, context.DeadlineExceeded):
		return exitTimeout
	case errors.Is(err, node.ErrRepoLocked):
		return exitLocked
	case errors.Is(err, node.ErrNotFound), errors.Is(err, sign.ErrKeyNotFound), errors.Is(err, node.ErrNoRepo),
		errors.Is(err, node.ErrDaemonNotFound):
		return exitNotFound
	case errors.As(err, new(usageError)), strings.HasPrefix(err.Error(), "unknown command"),
		errors.Is(err, dag.ErrInvalidCID), errors.Is(err, dag.ErrInvalidName),
		errors.Is(err, dag.ErrInvalidVersion), errors.Is(err, dag.ErrMalformed),
		errors.Is(err, dag.ErrInvalidField), errors.Is(err, dag.ErrTooDeep), errors.Is(err, dag.ErrTooLarge),
		errors.Is(err, node.ErrInvalidInput), errors.Is(err, node.ErrNotPackage), errors.Is(err, node.ErrBadRequest),
		errors.Is(err, node.ErrInvalidConfig), errors.Is(err, node.ErrInvalidBundle),
		errors.Is(err, sign.ErrMalformedKey), errors.Is(err, sign.ErrWrongKeyType),
		errors.Is(err, sign.ErrKeyPermissions), errors.Is(err, sign.ErrInvalidKeyName),
		errors.Is(err, sign.ErrInvalidDID), errors.Is(err, sign.ErrInvalidPattern),
		errors.Is(err, sign.ErrInvalidPolicy):
		return exitUsage
	}
	return exitError
}

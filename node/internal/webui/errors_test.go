package webui_test

import "github.com/cairnpkg/cairn/internal/errkind"

// errNotFound is what the fake answers for what it does not hold, of the
// kind the repo's not-found errors are.
var errNotFound = errkind.New("not found", errkind.NotFound)

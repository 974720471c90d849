package fetch

import (
	"github.com/cairnpkg/cairn/internal/errkind"
)

// ErrBadTransport: a transport other than auto, stream or bitswap.
var ErrBadTransport = errkind.New("unknown transport", errkind.Invalid)

// ErrOverBudget: a package's content is larger, has more blocks or is
// deeper than its layers declare (a DAG bomb, or a package built wrong).
var ErrOverBudget = errkind.New("content over its declared size", errkind.Invalid)

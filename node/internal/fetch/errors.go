package fetch

import (
	"github.com/cairnpkg/cairn/internal/errkind"
)

// ErrBadTransport: a transport other than auto, stream or bitswap.
var ErrBadTransport = errkind.New("unknown transport", errkind.Invalid)

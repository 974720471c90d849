package bundle

import (
	"github.com/cairnpkg/cairn/internal/errkind"
)

// ErrInvalidBundle: a CAR given to Import that cannot be imported as it is:
// not a CAR, truncated, a block that does not match its CID or is too
// large, a limit exceeded, a root that is a Cairn node but not a package,
// a content block in a codec content.Links cannot follow, or a closure with
// blocks missing without NoPin (docs/bundles.md).
var ErrInvalidBundle = errkind.New("invalid bundle", errkind.Invalid)

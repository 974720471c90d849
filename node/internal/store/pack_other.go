//go:build !linux

package store

import (
	"errors"
	"os"
)

// setDirect: packs are written through the page cache on this system.
var setDirect = func(*os.File, bool) error { return errors.ErrUnsupported }

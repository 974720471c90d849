//go:build !linux

package store

import (
	"errors"
	"os"
)

// setFileDirect: packs are written through the page cache on this system.
var setFileDirect = func(*os.File, bool) error { return errors.ErrUnsupported }

package content

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// tempBaseMax bounds how much of the target's name goes into a temporary
// sibling's name, to stay under file name length limits.
const tempBaseMax = 64

// tempSibling returns a fresh hidden name next to path, such as
// "dir/.name.cairn-1a2b3c4d.tmp".
func tempSibling(path, suffix string) string {
	base := filepath.Base(path)
	if len(base) > tempBaseMax {
		base = base[:tempBaseMax]
	}
	name := "." + base + ".cairn-" + strconv.FormatUint(rand.Uint64(), 36) + suffix
	return filepath.Join(filepath.Dir(path), name)
}

// createTempFile creates a new empty file next to path.
func createTempFile(path string) (*os.File, error) {
	for {
		f, err := os.OpenFile(tempSibling(path, ".tmp"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
}

// createTempDir creates a new empty directory next to path.
func createTempDir(path string) (string, error) {
	for {
		name := tempSibling(path, ".tmp")
		err := os.Mkdir(name, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return name, err
	}
}

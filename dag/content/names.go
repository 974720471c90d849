package content

import (
	"fmt"
	"os"
	"strings"
)

// checkName accepts a directory entry name only if it is a single, ordinary
// path element: not empty, not "." or "..", and without "/", the OS path
// separator or NUL. dir names the directory in the error.
func checkName(name, dir string) error {
	bad := name == "" || name == "." || name == ".." ||
		strings.ContainsRune(name, '/') ||
		strings.ContainsRune(name, os.PathSeparator) ||
		strings.IndexByte(name, 0) >= 0
	if bad {
		return fmt.Errorf("%w: %q in %s", ErrUnsafeName, name, dir)
	}
	return nil
}

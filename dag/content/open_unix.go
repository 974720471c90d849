//go:build unix

package content

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// openRegular opens path for reading if it is a regular file. O_NOFOLLOW and
// the check on the open file close the race with a swap for a symlink after
// the directory was listed; O_NONBLOCK keeps a swapped-in named pipe from
// blocking the open.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%w: %s is a symlink", ErrUnsupportedFile, path)
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, unsupported(path, fi.Mode())
	}
	return f, nil
}

package content

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// renameIfAbsent renames from to to unless to exists. The check and the
// rename are separate steps; renameNoReplace uses it only as a fallback.
func renameIfAbsent(from, to string) error {
	if _, err := os.Lstat(to); err == nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: fs.ErrExist}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Rename(from, to)
}

// install moves the finished temporary tmp to path. Without overwrite an
// existing path is an error (ErrExists). With overwrite, a file replacing a
// file is renamed over it atomically; anything else moves the old content
// aside first, and restores it if the final rename fails.
func install(tmp, path string, overwrite bool) error {
	err := renameNoReplace(tmp, path)
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	if !overwrite {
		return fmt.Errorf("%w: %s", ErrExists, path)
	}

	old, err := os.Lstat(path)
	if err != nil {
		return err
	}
	neu, err := os.Lstat(tmp)
	if err != nil {
		return err
	}
	if neu.Mode().IsRegular() && !old.IsDir() {
		return os.Rename(tmp, path)
	}
	aside := tempSibling(path, ".old")
	if err := os.Rename(path, aside); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		if rerr := os.Rename(aside, path); rerr != nil {
			return fmt.Errorf("%w (and restoring the old content from %s: %v)", err, aside, rerr)
		}
		return err
	}
	// The new content is in place; a failure to delete the old is not the
	// export's failure.
	_ = os.RemoveAll(aside)
	return nil
}

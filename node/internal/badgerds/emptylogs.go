package badgerds

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// removeEmptyLogs deletes the empty value-log (.vlog) and memtable
// write-ahead log (.mem) files in dir. Badger creates such a file, then
// sizes it and writes its header; a process killed in between (a SIGKILL
// during a value-log collection, or as a log rotates) leaves a file of zero
// bytes, and badger v4 then refuses to open the database ("Open existing
// file: … Create a new file", "while opening memtables …": it bootstraps the
// file, then reports that it was new). An empty file holds no entry, and no
// pointer can lead into it: removing it loses nothing.
func removeEmptyLogs(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	removed := false
	for _, e := range entries {
		if !e.Type().IsRegular() || !(strings.HasSuffix(e.Name(), ".vlog") || strings.HasSuffix(e.Name(), ".mem")) {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if info.Size() != 0 {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		removed = true
	}
	if !removed {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

package badgerds

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
)

// DiskUsage returns the bytes the database occupies on disk, counted by
// walking its directory (badger's own Size is refreshed only once a minute).
// Files are counted by allocated blocks where the platform reports them: the
// value log being written is a sparse file twice ValueLogFileSize long, so its
// apparent size would overstate usage. It is 0 in memory.
func (d *Datastore) DiskUsage(ctx context.Context) (uint64, error) {
	end, err := d.begin()
	if err != nil {
		return 0, err
	}
	defer end()
	if d.opts.InMemory {
		return 0, nil
	}
	var total uint64
	err = filepath.WalkDir(d.opts.Dir, func(path string, entry fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed by compaction or GC while we walked
		}
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !entry.Type().IsRegular() {
			return nil
		}
		info, err := entry.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		total += allocatedBytes(info)
		return nil
	})
	return total, wrapErr("disk usage", err)
}

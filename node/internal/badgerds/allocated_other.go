//go:build !unix

package badgerds

import "io/fs"

// allocatedBytes returns the size of a file; this platform does not report
// allocated blocks.
func allocatedBytes(info fs.FileInfo) uint64 {
	return uint64(info.Size())
}

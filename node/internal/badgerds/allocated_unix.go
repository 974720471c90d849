//go:build unix

package badgerds

import (
	"io/fs"
	"syscall"
)

// allocatedBytes returns the disk space allocated to a file, which for sparse
// files is less than its size.
func allocatedBytes(info fs.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Blocks >= 0 {
		return uint64(st.Blocks) * 512 // st_blocks is in 512-byte units
	}
	return uint64(info.Size())
}

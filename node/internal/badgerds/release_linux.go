//go:build linux

package badgerds

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// madvPageout is MADV_PAGEOUT (Linux 5.4+), absent from package syscall.
const madvPageout = 21

// pageOut asks the kernel to reclaim the pages of every mapping of a file
// under dir, as listed in /proc/self/maps.
//
// MADV_PAGEOUT rather than MADV_DONTNEED, because a mapping may be unmapped
// by badger between reading the list and the madvise call, and its address
// range reused by the Go runtime: DONTNEED would then zero live anonymous
// memory, while PAGEOUT only ever reclaims (anonymous pages go to swap, or
// stay put without swap), never changes contents. Errors are ignored: an
// old kernel without PAGEOUT simply keeps the pages.
func pageOut(dir string) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return
	}
	prefix := dir + string(os.PathSeparator)
	s := bufio.NewScanner(bytes.NewReader(maps))
	for s.Scan() {
		start, end, path, ok := parseMapsLine(s.Text())
		if !ok || !strings.HasPrefix(path, prefix) {
			continue
		}
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvPageout)
	}
}

// parseMapsLine splits a /proc/self/maps line,
// "start-end perms offset dev inode   path", into its range and path.
func parseMapsLine(line string) (start, end uintptr, path string, ok bool) {
	fields := strings.SplitN(line, " ", 6)
	if len(fields) < 6 {
		return 0, 0, "", false
	}
	lo, hi, ok := strings.Cut(fields[0], "-")
	if !ok {
		return 0, 0, "", false
	}
	s, err1 := strconv.ParseUint(lo, 16, 64)
	e, err2 := strconv.ParseUint(hi, 16, 64)
	if err1 != nil || err2 != nil || e <= s {
		return 0, 0, "", false
	}
	return uintptr(s), uintptr(e), strings.TrimLeft(fields[5], " "), true
}

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

// releaseMapped drops this process's pages of every mapping of a file under
// dir, as listed in /proc/self/maps.
//
// Value log files get MADV_DONTNEED: on a shared file mapping it only unmaps
// the pages, whose contents (dirty or not) stay in the page cache. That is
// safe only because the caller holds mapMu exclusively, so badger cannot
// unmap a value log (and the Go runtime reuse its addresses, which
// DONTNEED would then zero) in between. Other files (tables, the memtable
// log) may be unmapped by badger's compactions at any time, so they get
// MADV_PAGEOUT, which only ever reclaims and never changes contents. Errors
// are ignored: releasing is best effort.
func releaseMapped(dir string) {
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
		advice := madvPageout
		if strings.HasSuffix(path, ".vlog") {
			advice = syscall.MADV_DONTNEED
		}
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, start, end-start, uintptr(advice))
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

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
// Value log files and the tables in held get MADV_DONTNEED: on a shared file
// mapping it only unmaps the pages, whose contents (dirty or not) stay in the
// page cache, so the next read is a minor fault. That is safe only for a file
// badger cannot unmap in between (the Go runtime could then reuse its
// addresses, which DONTNEED would zero): the caller holds mapMu exclusively,
// which keeps value logs mapped, and a reference to each table in held.
// Other files (tables that have left the levels, the memtable logs) may be
// unmapped at any time, so they get MADV_PAGEOUT, which only ever reclaims
// and never changes contents, but also drops the pages from the page cache.
// Errors are ignored: releasing is best effort.
func releaseMapped(dir string, held map[string]bool) {
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
		if strings.HasSuffix(path, ".vlog") || held[path] {
			advice = syscall.MADV_DONTNEED
		}
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, start, end-start, uintptr(advice))
	}
}

// mappedFileBytes returns how much of this process's memory is resident
// pages of mapped files (the executable's included), from the third field of
// /proc/self/statm; 0 if it cannot be read.
func mappedFileBytes() int64 {
	f, err := os.Open("/proc/self/statm")
	if err != nil {
		return 0
	}
	defer f.Close()
	var buf [128]byte
	n, _ := f.Read(buf[:])
	fields := strings.Fields(string(buf[:n]))
	if len(fields) < 3 {
		return 0
	}
	pages, err := strconv.ParseInt(fields[2], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
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

package exepages

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Release drops the process's read-only mappings of its executable (code,
// read-only data, the function tables) from the process with
// MADV_DONTNEED, and returns how many bytes those mappings span. The pages
// stay in the page cache: what runs again maps them again. A mapping is
// released only if /proc/self/maps names the file os.Executable names and
// gives it no write permission.
func Release() (int64, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var total int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// address perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || strings.Contains(fields[1], "w") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			return total, fmt.Errorf("exepages: bad line in /proc/self/maps: %q", sc.Text())
		}
		if err := madvise(uintptr(start), uintptr(end-start)); err != nil {
			return total, err
		}
		total += int64(end - start)
	}
	return total, sc.Err()
}

func madvise(addr, n uintptr) error {
	if _, _, errno := unix.Syscall(unix.SYS_MADVISE, addr, n, unix.MADV_DONTNEED); errno != 0 {
		return fmt.Errorf("exepages: madvise: %w", errno)
	}
	return nil
}

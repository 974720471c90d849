// Package exepages drops the executable's read-only pages from the
// process. Starting a daemon runs the init code of some 390 packages, and
// the kernel maps 64 KiB of the executable around every page it touches
// (fault-around): about 30 MiB of the executable stay mapped, counted in the
// RSS, though most of that code never runs again. Release unmaps them with
// MADV_DONTNEED, which leaves them in the page cache: whatever runs again is
// mapped again by a minor fault, with no I/O. It is what badgerds already
// does for the database's mapped files (docs/repo.md, ReleaseMappedBytes).
//
//	n, err := exepages.Release() // n: bytes of mappings released
//
// Only read-only mappings are released (code, read-only data, the function
// tables); writable ones, which hold the program's variables, never are.
// Elsewhere than on Linux, Release does nothing.
package exepages

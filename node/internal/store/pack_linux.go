package store

import (
	"os"

	"golang.org/x/sys/unix"
)

// setFileDirect sets or clears O_DIRECT on f (a variable: tests refuse it).
var setFileDirect = setDirectFlag

func setDirectFlag(f *os.File, on bool) error {
	fd := int(f.Fd())
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	if on {
		flags |= unix.O_DIRECT
	} else {
		flags &^= unix.O_DIRECT
	}
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags)
	return err
}

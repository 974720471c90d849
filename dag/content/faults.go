package content

import "runtime/debug"

// A mapped file's pages fault (SIGBUS) when the file is truncated under the
// mapping. The goroutines that read a mapped file's bytes (the store's
// writes read them in the kernel, which returns EFAULT instead) turn such a
// fault into a panic with catchFaults, and the functions that touch the
// bytes turn it into ErrFileChanged with recoverFault.

// catchFaults makes a fault on the calling goroutine a panic, and returns
// the function that restores what it was.
func catchFaults() (restore func()) {
	old := debug.SetPanicOnFault(true)
	return func() { debug.SetPanicOnFault(old) }
}

// recoverFault, deferred, sets *err to ErrFileChanged if the function
// panicked with a memory fault; any other panic goes on.
func recoverFault(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if _, ok := r.(interface{ Addr() uintptr }); ok {
		*err = ErrFileChanged
		return
	}
	panic(r)
}

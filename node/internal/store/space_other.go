//go:build !unix

package store

// freeSpace is unknown here: the store never refuses for lack of space, and
// an ENOSPC is still reported as ErrNoSpace.
func freeSpace(string) (uint64, bool) { return 0, false }

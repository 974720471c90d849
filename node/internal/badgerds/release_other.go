//go:build !linux

package badgerds

// releaseMapped does nothing here: outside Linux, badger unmaps a value log file
// when it finishes writing it, so written blocks do not pile up in RSS.
func releaseMapped(dir string, held map[string]bool) {}

// mappedFileBytes is not measured here; 0 means lookups never release.
func mappedFileBytes() int64 { return 0 }

// Package writeback writes large files without letting their pages pile up
// in the page cache. A Trimmer, told how far a file has been written, asks
// the kernel to start writing out each Chunk as soon as it is complete and,
// once the next one is under way, waits for it to be on disk and drops it
// from the page cache: a file never holds more than about two chunks of page
// cache, dirty or clean, and its final fsync has little left to write. A
// background Trimmer, for a file that is not synced, never waits: it drops
// what is written out by then, two chunks behind. A Writer is an io.Writer
// over a file with a Trimmer.
//
// On the machines measured (2 vCPUs, ext4 on a virtual disk), writing 1 GiB
// and fsyncing it took 0.55-0.62 s trimmed and 0.75-2.8 s untrimmed, nearly
// all of the difference system time: a page cache that grows by every
// gigabyte written makes each later write(2) dearer (without the fsync:
// 0.24-0.94 s untrimmed, 0.49-0.52 s in the background). Cairn trims its
// pack files and the bundles cairn export writes, and, in the background,
// the files cairn get writes.
//
//	f, _ := os.Create(path)
//	w := writeback.NewWriter(f)
//	io.Copy(w, src)
//	f.Sync()
//	w.Drop() // all on disk: the rest of the file leaves the page cache
//
// Elsewhere than on Linux the trimming does nothing.
package writeback

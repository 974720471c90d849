// Package content imports files and directory trees into UnixFS DAGs and
// exports them back, with the IPIP-0499 unixfs-v1-2025 profile: CIDv1,
// sha2-256, raw leaves, 1 MiB chunks, 1024 links per node, balanced layout,
// and directories that become HAMTs (fanout 256) once their block would exceed
// 256 KiB. The same bytes give the same CIDs as Kubo with that profile.
//
// Every profile setting is passed to boxo per call; no boxo global is read for
// it or written (profile_test.go pins the one boxo global that has no per-call
// option, the dag-pb field order).
//
// Import streams: one goroutine reads the file 1 MiB at a time, another
// computes its plain SHA-256, a third hashes the chunks for their CIDs
// (sixteen at a time where the CPU can), and the caller's builds the DAG;
// writes are batched. With MapFiles, a large file is mapped instead of read,
// and its chunks go from the page cache to the hashes and the destination
// without a copy. Memory stays bounded whatever the file size. Export and
// Cat stream too.
//
// Example:
//
//	res, err := content.ImportPath(ctx, dagService, "build/out")
//	if err != nil {
//		return err
//	}
//	fmt.Println(res.Root, res.Size)
//
//	// Later, possibly elsewhere:
//	_, err = content.Export(ctx, dagService, res.Root, "restored/out")
package content

package content

import "github.com/ipfs/go-cid"

// Result describes imported content.
type Result struct {
	Root   cid.Cid
	Size   uint64 // file bytes; for a directory, total bytes of all files in it
	SHA256 []byte // plain SHA-256 of the file's bytes (32 bytes); nil for a directory
	Dir    bool
}

// ExportResult describes exported content.
type ExportResult struct {
	Size   uint64 // bytes written; for a directory, total bytes of all files in it
	SHA256 []byte // plain SHA-256 of the bytes written for a file; nil for a directory
	Dir    bool
}

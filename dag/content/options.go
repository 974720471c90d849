package content

// Option configures ImportReader and ImportPath.
type Option func(*importConfig)

type importConfig struct {
	progress func(n int64)
	mapFiles bool
}

// MapFiles has ImportPath map each regular file of more than one chunk
// (mmap, on Linux) and hand out its chunks as slices of the mapping,
// instead of reading each into a fresh buffer: the chunks go from the page
// cache to the hashes and to dst without a copy (1 GiB: about 0.5 CPU-s
// less). It is for a dst that copies each node's bytes before Add or
// AddMany returns and keeps no reference to them, as the store's
// transactions do: a file is unmapped once dst has all its chunks, and at
// the latest when ImportPath returns. A file that shrinks while it is read
// fails the import with ErrFileChanged. ImportReader ignores it.
func MapFiles() Option {
	return func(c *importConfig) { c.mapFiles = true }
}

// WithProgress calls fn after each chunk (at most ChunkSize bytes) is read,
// with n the total number of file bytes read so far by this import call
// (summed over all files of a directory). fn runs on the importing goroutine,
// so it must be quick; it is never called concurrently.
func WithProgress(fn func(n int64)) Option {
	return func(c *importConfig) { c.progress = fn }
}

func newImportConfig(opts []Option) importConfig {
	var c importConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}

// ExportOption configures Export.
type ExportOption func(*exportConfig)

type exportConfig struct {
	overwrite bool
	check     func(ExportResult) error
}

// WithCheck has Export call check with the result once the content is written
// but before it is moved into place: an error from check fails the export and
// leaves path as it was (so a caller can compare a file's SHA-256 with the one
// it expects without ever exposing, or overwriting with, the wrong bytes).
func WithCheck(check func(ExportResult) error) ExportOption {
	return func(c *exportConfig) { c.check = check }
}

// WithOverwrite lets Export replace whatever exists at the target path (a file
// or a whole directory tree). The old content is removed only after the new
// content is complete.
func WithOverwrite() ExportOption {
	return func(c *exportConfig) { c.overwrite = true }
}

func newExportConfig(opts []ExportOption) exportConfig {
	var c exportConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}

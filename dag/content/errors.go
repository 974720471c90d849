package content

import "errors"

// Errors returned by this package. Detail is added with fmt.Errorf("%w: ...", ErrX),
// so callers test with errors.Is.
var (
	// ErrUnsupportedFile: a file that is neither a regular file nor a directory
	// (a symlink, device, socket or named pipe on import; a UnixFS symlink or
	// metadata node on export). The error names the offending path.
	ErrUnsupportedFile = errors.New("unsupported file type")
	// ErrExists: Export was asked to write to a path that already exists and
	// WithOverwrite was not given.
	ErrExists = errors.New("path already exists")
	// ErrNotUnixFS: a node that is not a UnixFS file or directory (another codec,
	// undecodable UnixFS data, or an unknown UnixFS type).
	ErrNotUnixFS = errors.New("not a unixfs file or directory")
	// ErrIsDir: Cat was given a directory.
	ErrIsDir = errors.New("is a directory")
	// ErrUnsafeName: a directory entry whose name could escape the export target
	// or is not a single path element: empty, ".", "..", or containing a path
	// separator or NUL. Also a name that occurs twice in one directory.
	ErrUnsafeName = errors.New("unsafe directory entry name")
	// ErrMalformed: a UnixFS DAG whose content does not match what its root
	// declares (for example fewer or more bytes than the recorded file size).
	ErrMalformed = errors.New("malformed unixfs dag")
	// ErrFileChanged: a file imported with MapFiles shrank while it was
	// read. The error names the file.
	ErrFileChanged = errors.New("file changed while it was read")
)

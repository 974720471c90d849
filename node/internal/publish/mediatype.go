package publish

import (
	"path/filepath"
	"strings"
)

// mediaTypes is a fixed table, not the system's MIME database, so that the same
// file gets the same media type (and so the same package CID) on every machine.
var mediaTypes = map[string]string{
	".wasm":   "application/wasm",
	".tar":    "application/x-tar",
	".tgz":    "application/gzip",
	".gz":     "application/gzip",
	".zst":    "application/zstd",
	".zip":    "application/zip",
	".jar":    "application/java-archive",
	".json":   "application/json",
	".txt":    "text/plain; charset=utf-8",
	".md":     "text/markdown; charset=utf-8",
	".toml":   "application/toml",
	".yaml":   "application/yaml",
	".yml":    "application/yaml",
	".so":     "application/x-sharedlib",
	".deb":    "application/vnd.debian.binary-package",
	".rpm":    "application/x-rpm",
	".whl":    "application/zip",
	".spdx":   "text/spdx",
	".intoto": "application/vnd.in-toto+json",
}

// DefaultMediaType is the media type of a file whose extension is not in the table.
const DefaultMediaType = "application/octet-stream"

// mediaTypeOf guesses a file's media type from its name.
func mediaTypeOf(name string) string {
	if t, ok := mediaTypes[strings.ToLower(filepath.Ext(name))]; ok {
		return t
	}
	return DefaultMediaType
}

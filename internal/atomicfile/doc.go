// Package atomicfile writes small files so that a reader, or the next process
// after a crash, sees either the old content or the new, never a mix.
//
//	err := atomicfile.WriteFile("policy.toml", data, 0o644) // replaces
//	err = atomicfile.Create("keys/ci.key", pem, 0o600)      // never replaces
package atomicfile

//go:build !linux

package content

// renameNoReplace renames from to to, failing with an error matching
// fs.ErrExist if to exists. Off Linux the check and the rename are two steps.
func renameNoReplace(from, to string) error {
	return renameIfAbsent(from, to)
}

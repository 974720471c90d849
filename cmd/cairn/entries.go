package main

import (
	"fmt"
	"os"

	"github.com/cairnpkg/cairn/dag"
	"github.com/ipld/go-ipld-prime/datamodel"
)

// maxMetaFile bounds a --meta file; a metadata set is at most dag.MaxNodeSize.
const maxMetaFile = dag.MaxNodeSize

// readEntries reads and merges --meta files (TOML or JSON).
func readEntries(paths []string) (datamodel.Node, error) {
	maps := make([]datamodel.Node, 0, len(paths))
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, usageError{fmt.Errorf("--meta: %w", err)}
		}
		if st.Size() > maxMetaFile {
			return nil, usageError{fmt.Errorf("--meta %s: %d bytes, limit %d", p, st.Size(), maxMetaFile)}
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, usageError{fmt.Errorf("--meta: %w", err)}
		}
		n, err := dag.ParseEntries(p, data)
		if err != nil {
			return nil, fmt.Errorf("--meta: %w", err)
		}
		maps = append(maps, n)
	}
	return dag.MergeEntries(maps...)
}

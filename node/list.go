package node

import (
	"context"
	"slices"
	"strings"

	"github.com/cairnpkg/cairn/dag"

	"github.com/ipfs/go-cid"
)

// ListEntry is one package of the name index.
type ListEntry struct {
	Name    string  `json:"name"`
	Version string  `json:"version"`
	Package cid.Cid `json:"package"`
	Layers  int     `json:"layers"`
	Size    uint64  `json:"size"`
}

// List returns the packages in the repo, by name and then by version precedence.
func (r *Repo) List(ctx context.Context, name string) ([]ListEntry, error) {
	vs, err := r.store.Versions(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make([]ListEntry, 0, len(vs))
	for _, v := range vs {
		e := ListEntry{Name: v.Name, Version: v.Version, Package: v.Package}
		if p, err := r.Package(ctx, v.Package); err == nil {
			e.Layers = len(p.Layers)
			for _, l := range p.Layers {
				e.Size += l.Size
			}
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b ListEntry) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return dag.CompareVersions(a.Version, b.Version)
	})
	return out, nil
}

package mirror

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
)

// Retention (docs/logs.md §6): after a rule mirrors an entry, the versions
// of the names it matches beyond its bounds (Keep, MaxBytes) are removed,
// as `cairn rm` removes them, and `repo gc` reclaims their space. The
// rule's cursor is past their entries, so it does not fetch them again.

// Held is a version of a name that the repo holds (indexed and pinned),
// with the content bytes its layers declare.
type Held struct {
	Name    string
	Version string
	Package cid.Cid
	Bytes   uint64
}

// Bounded reports whether the rule has a retention bound.
func (r Rule) Bounded() bool { return r.Keep > 0 || r.MaxBytes > 0 }

// Beyond returns the versions of held that lie beyond rule's bounds. Each
// name's versions are ranked newest first by version precedence
// (dag.CompareVersions); those ranked Keep or lower go. The rest are taken
// in rank order (every name's newest, then every name's second newest, …;
// names in byte order within a rank), adding up their bytes: a version that
// would take the total over MaxBytes goes, and so do the older versions of
// its name, so a name never keeps an older version while a newer one went.
func Beyond(rule Rule, held []Held) []Held {
	byName := map[string][]Held{}
	for _, h := range held {
		byName[h.Name] = append(byName[h.Name], h)
	}
	type ranked struct {
		Held
		rank int
	}
	var order []ranked
	var out []Held
	for _, vs := range byName {
		slices.SortFunc(vs, func(a, b Held) int { return dag.CompareVersions(b.Version, a.Version) })
		for i, v := range vs {
			if rule.Keep > 0 && i >= rule.Keep {
				out = append(out, v)
				continue
			}
			order = append(order, ranked{v, i})
		}
	}
	if rule.MaxBytes > 0 {
		slices.SortFunc(order, func(a, b ranked) int {
			if a.rank != b.rank {
				return a.rank - b.rank
			}
			return strings.Compare(a.Name, b.Name)
		})
		var total uint64
		cut := map[string]bool{}
		for _, v := range order {
			if cut[v.Name] || total+v.Bytes > rule.MaxBytes {
				cut[v.Name] = true
				out = append(out, v.Held)
				continue
			}
			total += v.Bytes
		}
	}
	slices.SortFunc(out, func(a, b Held) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return dag.CompareVersions(a.Version, b.Version)
	})
	return out
}

// held returns the versions of the names rule matches that the repo holds:
// indexed, and pinned.
func (m *Mirrorer) held(ctx context.Context, rule Rule) ([]Held, error) {
	all, err := m.cfg.Store.Versions(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []Held
	for _, v := range all {
		name, err := dag.ParseName(v.Name)
		if err != nil || !rule.Pattern.Match(name) {
			continue
		}
		if ok, err := m.cfg.Store.IsPinned(ctx, v.Package); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		pkg, err := m.cfg.Store.Package(ctx, v.Package)
		if err != nil {
			return nil, fmt.Errorf("%s@%s: %w", v.Name, v.Version, err)
		}
		h := Held{Name: v.Name, Version: v.Version, Package: v.Package}
		for _, l := range pkg.Layers {
			h.Bytes += l.Size
		}
		out = append(out, h)
	}
	return out, nil
}

// retain removes the versions beyond rule's bounds, through Config.Remove,
// and counts them in the rule. A version Remove refuses (another package
// names it as an input, another rule mirrors it) stays, with a warning in
// the log; retention tries it again after the rule's next mirrored entry.
func (m *Mirrorer) retain(ctx context.Context, rule Rule) error {
	if !rule.Bounded() || m.cfg.Remove == nil {
		return nil
	}
	held, err := m.held(ctx, rule)
	if err != nil {
		return err
	}
	removed := 0
	for _, h := range Beyond(rule, held) {
		if err := m.cfg.Remove(ctx, h.Package, rule.Pattern); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			m.cfg.Log.Warn("retention: not removed", "rule", rule.Pattern, "name", h.Name, "version", h.Version, "package", h.Package, "err", err)
			continue
		}
		removed++
		m.cfg.Log.Info("retention: removed", "rule", rule.Pattern, "name", h.Name, "version", h.Version, "package", h.Package)
	}
	if removed == 0 {
		return nil
	}
	return m.cfg.Rules.countRemoved(ctx, rule.Pattern, removed)
}

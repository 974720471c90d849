package mirror_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/mirror"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign/signtest"
)

func TestBeyond(t *testing.T) {
	held := func(specs ...string) []mirror.Held {
		var out []mirror.Held
		for _, s := range specs { // NAME@VERSION:BYTES
			ref, size, _ := strings.Cut(s, ":")
			name, version, _ := strings.Cut(ref, "@")
			n := uint64(0)
			for _, r := range size {
				n = n*10 + uint64(r-'0')
			}
			out = append(out, mirror.Held{Name: name, Version: version, Bytes: n, Package: dagtest.NodeCID(t, s)})
		}
		return out
	}
	for _, c := range []struct {
		name     string
		keep     int
		maxBytes uint64
		held     []mirror.Held
		want     []string // NAME@VERSION, in name then version order
	}{
		{"no bounds", 0, 0, held("a/x@1.0.0:10", "a/x@2.0.0:10"), nil},
		{"keep within", 2, 0, held("a/x@1.0.0:10", "a/x@2.0.0:10"), nil},
		{"keep by precedence, not bytes", 1, 0, held("a/x@1.9.0:1", "a/x@1.10.0:1", "a/x@1.11.0:1"), []string{"a/x@1.9.0", "a/x@1.10.0"}},
		{"a pre-release is older than its release", 1, 0, held("a/x@2.0.0:1", "a/x@2.0.0-rc.1:1"), []string{"a/x@2.0.0-rc.1"}},
		{"keep per name", 1, 0, held("a/x@1.0.0:1", "a/x@2.0.0:1", "a/y@1.0.0:1", "a/y@0.1.0:1"), []string{"a/x@1.0.0", "a/y@0.1.0"}},
		{"max bytes newest first", 0, 25, held("a/x@1.0.0:10", "a/x@2.0.0:10", "a/x@3.0.0:10"), []string{"a/x@1.0.0"}},
		{"max bytes exactly", 0, 20, held("a/x@1.0.0:10", "a/x@2.0.0:10", "a/x@3.0.0:10"), []string{"a/x@1.0.0"}},
		{"max bytes, no hole in a name", 0, 25, held("a/x@1.0.0:1", "a/x@2.0.0:20", "a/x@3.0.0:10"), []string{"a/x@1.0.0", "a/x@2.0.0"}},
		{"max bytes across names, by rank", 0, 30, held("a/x@1.0.0:10", "a/x@2.0.0:10", "a/y@1.0.0:10", "a/y@2.0.0:10"), []string{"a/y@1.0.0"}},
		{"max bytes, the newest alone too big", 0, 5, held("a/x@1.0.0:1", "a/x@2.0.0:10"), []string{"a/x@1.0.0", "a/x@2.0.0"}},
		{"keep then max bytes", 2, 15, held("a/x@1.0.0:10", "a/x@2.0.0:10", "a/x@3.0.0:10"), []string{"a/x@1.0.0", "a/x@2.0.0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := []string{}
			for _, h := range mirror.Beyond(mirror.Rule{Pattern: "a/*", Keep: c.keep, MaxBytes: c.maxBytes}, c.held) {
				got = append(got, h.Name+"@"+h.Version)
			}
			if want := append([]string{}, c.want...); !slices.Equal(got, want) {
				t.Errorf("Beyond(keep %d, max %d) = %v, want %v", c.keep, c.maxBytes, got, want)
			}
		})
	}
}

// TestPassRetains: a rule with --keep holds the newest versions of each
// name after each release it mirrors, removes the others through Remove
// (naming itself as the rule), counts them, and does not fetch them again.
func TestPassRetains(t *testing.T) {
	f := newFixture(t)
	k := signtest.Key(t, 1)
	f.trust("acme/*", k)
	f.addRule(mirror.Rule{Pattern: "acme/*", Keep: 2})
	var pub []published
	for _, ref := range []string{"acme/app@1.9.0", "acme/app@1.11.0", "acme/app@1.10.0", "acme/lib@1.0.0", "acme/app@2.0.0-rc.1", "acme/app@2.0.0", "acme/lib@2.0.0"} {
		pub = append(pub, f.publish(k, ref, 1))
	}
	m := f.mirrorer()
	f.pass(m)

	held := f.heldVersions("acme/")
	if want := []string{"acme/app@2.0.0-rc.1", "acme/app@2.0.0", "acme/lib@1.0.0", "acme/lib@2.0.0"}; !slices.Equal(held, want) {
		t.Errorf("held after the pass = %v, want %v", held, want)
	}
	calls := f.remove.Calls()
	if len(calls) != 3 {
		t.Fatalf("remove calls = %+v, want 3 (1.9.0, 1.10.0, 1.11.0 of acme/app)", calls)
	}
	for _, c := range calls {
		if c.Rule != "acme/*" {
			t.Errorf("remove of %s named rule %q, want acme/*", c.Package, c.Rule)
		}
	}
	for _, p := range pub[:3] {
		if ok, _ := f.st.IsPinned(f.ctx, p.Package); ok {
			t.Errorf("%s still pinned", p.Ref)
		}
	}
	r := f.rule("acme/*")
	if r.Removed != 3 || r.Mirrored != len(pub) || r.Cursors[k.DID()] != pub[len(pub)-1].Seq {
		t.Errorf("rule = removed %d, mirrored %d, cursor %d; want 3, %d, %d", r.Removed, r.Mirrored, r.Cursors[k.DID()], len(pub), pub[len(pub)-1].Seq)
	}

	fetched := len(f.fetch.Calls())
	f.clock.Add(mirror.Backoff(retry, 100))
	f.pass(m)
	if n := len(f.fetch.Calls()); n != fetched {
		t.Errorf("a second pass fetched %d more packages, want none: what retention removed is not fetched again", n-fetched)
	}
}

// TestPassRetainsMaxBytes: a rule with --max-bytes keeps the newest
// versions whose content fits.
func TestPassRetainsMaxBytes(t *testing.T) {
	f := newFixture(t)
	k := signtest.Key(t, 1)
	f.trust("acme/*", k)
	var pub []published
	for _, v := range []string{"1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5"} {
		pub = append(pub, f.publish(k, "acme/app@"+v, 1))
	}
	size := f.contentBytes(pub[0].Package) // the versions are of one length, so are their contents
	f.addRule(mirror.Rule{Pattern: "acme/*", MaxBytes: 2*size + size/2})
	f.pass(f.mirrorer())
	if held, want := f.heldVersions("acme/"), []string{"acme/app@1.0.4", "acme/app@1.0.5"}; !slices.Equal(held, want) {
		t.Errorf("held = %v, want %v (each version %d bytes, max %d)", held, want, size, 2*size+size/2)
	}
	if r := f.rule("acme/*"); r.Removed != 3 {
		t.Errorf("removed = %d, want 3", r.Removed)
	}
}

// TestPassRetentionRefused: a version Remove refuses stays, is not counted,
// and does not stop the mirror; it is tried again after the next release.
func TestPassRetentionRefused(t *testing.T) {
	f := newFixture(t)
	k := signtest.Key(t, 1)
	f.trust("acme/*", k)
	f.addRule(mirror.Rule{Pattern: "acme/*", Keep: 1})
	old := f.publish(k, "acme/app@1.0.0", 1)
	f.publish(k, "acme/app@2.0.0", 1)
	f.remove.refuseWith(old.Package, errors.New("in use: is an input of acme/tool@1.0.0"))
	m := f.mirrorer()
	f.pass(m)
	if held, want := f.heldVersions("acme/"), []string{"acme/app@1.0.0", "acme/app@2.0.0"}; !slices.Equal(held, want) {
		t.Errorf("held = %v, want %v", held, want)
	}
	r := f.rule("acme/*")
	if r.Removed != 0 || r.Mirrored != 2 {
		t.Errorf("removed %d, mirrored %d; want 0, 2", r.Removed, r.Mirrored)
	}

	f.remove.refuseWith(old.Package, nil)
	f.publish(k, "acme/app@3.0.0", 1)
	f.pass(m)
	if held, want := f.heldVersions("acme/"), []string{"acme/app@3.0.0"}; !slices.Equal(held, want) {
		t.Errorf("held after the next release = %v, want %v", held, want)
	}
	if r := f.rule("acme/*"); r.Removed != 2 {
		t.Errorf("removed = %d, want 2", r.Removed)
	}
}

// TestPassUnboundedRemovesNothing: a rule without bounds never removes, and
// another rule's bounds do not touch names it alone matches.
func TestPassUnboundedRemovesNothing(t *testing.T) {
	f := newFixture(t)
	k := signtest.Key(t, 1)
	f.trust("*", k)
	f.addRule(mirror.Rule{Pattern: "acme/*"})
	f.addRule(mirror.Rule{Pattern: "other/*", Keep: 1})
	for _, ref := range []string{"acme/app@1.0.0", "acme/app@2.0.0", "acme/app@3.0.0", "other/x@1.0.0"} {
		f.publish(k, ref, 1)
	}
	f.pass(f.mirrorer())
	if calls := f.remove.Calls(); len(calls) != 0 {
		t.Errorf("remove calls = %+v, want none", calls)
	}
	if held := f.heldVersions("acme/"); len(held) != 3 {
		t.Errorf("held = %v, want all three", held)
	}
}

// heldVersions lists the names index under prefix whose packages are
// pinned, as NAME@VERSION in name and version order.
func (f *fixture) heldVersions(prefix string) []string {
	f.t.Helper()
	vs, err := f.st.Versions(f.ctx, "")
	if err != nil {
		f.t.Fatal(err)
	}
	slices.SortFunc(vs, func(a, b store.Version) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return dag.CompareVersions(a.Version, b.Version)
	})
	out := []string{}
	for _, v := range vs {
		if !strings.HasPrefix(v.Name, prefix) {
			continue
		}
		if ok, err := f.st.IsPinned(f.ctx, v.Package); err != nil || !ok {
			continue
		}
		out = append(out, v.Name+"@"+v.Version)
	}
	return out
}

// contentBytes is what package c's layers declare.
func (f *fixture) contentBytes(c cid.Cid) uint64 {
	f.t.Helper()
	data := f.fetch.closures[c][0].data
	pkg, err := dag.DecodePackage(data)
	if err != nil {
		f.t.Fatal(err)
	}
	var n uint64
	for _, l := range pkg.Layers {
		n += l.Size
	}
	return n
}

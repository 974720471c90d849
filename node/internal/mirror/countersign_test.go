package mirror_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/mirror"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
)

// TestPassCountersigns: with Countersign, the rule's key signs each
// metadata set the entry names in role mirror, unless it has already, and
// never its own packages.
func TestPassCountersigns(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rule      mirror.Rule
		setup     func(f *fixture, e published, publisher *sign.Key)
		wantSets  []int // indices of the entry's metadata sets signed
		wantAsked []string
	}{
		{
			name:      "signs each set",
			rule:      mirror.Rule{Countersign: true, Key: mirrorKeyName},
			wantSets:  []int{0, 1},
			wantAsked: []string{mirrorKeyName},
		},
		{
			name: "with the default key",
			rule: mirror.Rule{Countersign: true},
			setup: func(f *fixture, _ published, _ *sign.Key) {
				f.setKeyDID("", f.mirrorKey.DID())
			},
			wantSets:  []int{0, 1},
			wantAsked: []string{""},
		},
		{
			name: "a set already countersigned",
			rule: mirror.Rule{Countersign: true, Key: mirrorKeyName},
			setup: func(f *fixture, e published, _ *sign.Key) {
				f.countersigned(f.mirrorKey, e.Metadata[0], dag.RoleMirror)
			},
			wantSets:  []int{1},
			wantAsked: []string{mirrorKeyName},
		},
		{
			name: "the key's signature in another role does not count",
			rule: mirror.Rule{Countersign: true, Key: mirrorKeyName},
			setup: func(f *fixture, e published, _ *sign.Key) {
				f.countersigned(f.mirrorKey, e.Metadata[0], dag.RolePublisher)
			},
			wantSets:  []int{0, 1},
			wantAsked: []string{mirrorKeyName},
		},
		{
			name: "another key's mirror signature does not count",
			rule: mirror.Rule{Countersign: true, Key: mirrorKeyName},
			setup: func(f *fixture, e published, _ *sign.Key) {
				f.countersigned(signtest.Key(f.t, 7), e.Metadata[0], dag.RoleMirror)
			},
			wantSets:  []int{0, 1},
			wantAsked: []string{mirrorKeyName},
		},
		{
			name: "its own package",
			rule: mirror.Rule{Countersign: true, Key: mirrorKeyName},
			setup: func(f *fixture, _ published, publisher *sign.Key) {
				f.setKeyDID(mirrorKeyName, publisher.DID())
			},
			wantSets:  []int{},
			wantAsked: []string{mirrorKeyName},
		},
		{
			name:      "countersign off",
			rule:      mirror.Rule{Key: mirrorKeyName},
			wantSets:  []int{},
			wantAsked: []string{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			k := signtest.Key(t, 1)
			f.trust("acme/*", k)
			tc.rule.Pattern = "acme/*"
			f.addRule(tc.rule)
			e := f.publish(k, "acme/app@1.0.0", 2)
			if tc.setup != nil {
				tc.setup(f, e, k)
			}

			f.pass(f.mirrorer())
			want := []signCall{}
			for _, i := range tc.wantSets {
				want = append(want, signCall{Meta: e.Metadata[i], Key: tc.rule.Key})
			}
			if got := f.signer.Calls(); !slices.Equal(got, want) {
				t.Errorf("sign calls = %v, want %v", got, want)
			}
			if got := f.keysAsked(); !slices.Equal(got, tc.wantAsked) {
				t.Errorf("KeyDID asked for %q, want %q", got, tc.wantAsked)
			}
			if r := f.rule("acme/*"); r.Cursors[k.DID()] != 1 || r.Mirrored != 1 || len(r.Failures) != 0 {
				t.Errorf("rule = %+v, want the entry mirrored", r)
			}
		})
	}
}

// TestCountersignRetrySignsOnlyWhatIsLeft: a countersignature that failed
// is retried on a later pass without signing again the sets that were
// signed, or fetching again.
func TestCountersignRetrySignsOnlyWhatIsLeft(t *testing.T) {
	f := newFixture(t)
	k := signtest.Key(t, 1)
	f.trust("acme/*", k)
	f.addRule(mirror.Rule{Pattern: "acme/*", Countersign: true, Key: mirrorKeyName})
	e := f.publish(k, "acme/app@1.0.0", 2)
	f.signer.failWith(e.Metadata[1], errors.New("key is locked"))
	m := f.mirrorer()

	f.pass(m)
	r := f.rule("acme/*")
	if len(r.Failures) != 1 || r.Failures[0].Permanent || r.Cursors[k.DID()] != 0 {
		t.Fatalf("rule = %+v, want a transient failure and the cursor at 0", r)
	}

	f.signer.failWith(e.Metadata[1], nil)
	f.clock.Add(retry)
	f.pass(m)
	want := []signCall{{e.Metadata[0], mirrorKeyName}, {e.Metadata[1], mirrorKeyName}, {e.Metadata[1], mirrorKeyName}}
	if got := f.signer.Calls(); !slices.Equal(got, want) {
		t.Errorf("sign calls = %v, want %v", got, want)
	}
	if n := len(f.fetch.Calls()); n != 1 {
		t.Errorf("fetch calls = %d, want 1: the package was held", n)
	}
	if r := f.rule("acme/*"); r.Cursors[k.DID()] != 1 || r.Mirrored != 1 || len(r.Failures) != 0 {
		t.Errorf("rule = %+v, want the entry mirrored", r)
	}
}

// TestCountersignOncePerSetAcrossRules: two rules that mirror the same
// entry countersign each of its sets once.
func TestCountersignOncePerSetAcrossRules(t *testing.T) {
	f := newFixture(t)
	k := signtest.Key(t, 1)
	f.trust("acme/*", k)
	f.addRule(mirror.Rule{Pattern: "acme/*", Countersign: true, Key: mirrorKeyName})
	f.addRule(mirror.Rule{Pattern: "acme/app", Countersign: true, Key: mirrorKeyName})
	e := f.publish(k, "acme/app@1.0.0", 2)

	f.pass(f.mirrorer())
	want := []signCall{{e.Metadata[0], mirrorKeyName}, {e.Metadata[1], mirrorKeyName}}
	if got := f.signer.Calls(); !slices.Equal(got, want) {
		t.Errorf("sign calls = %v, want %v", got, want)
	}
	for _, p := range []string{"acme/*", "acme/app"} {
		if r := f.rule(p); r.Cursors[k.DID()] != 1 || r.Mirrored != 1 {
			t.Errorf("rule %s = %+v, want the entry mirrored", p, r)
		}
	}
}

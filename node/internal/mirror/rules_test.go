package mirror_test

import (
	"errors"
	"testing"

	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/node/internal/mirror"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/store/storetest"
	"github.com/cairnpkg/cairn/sign"
)

// TestRules: a rule is added once per pattern, kept durably, and removed
// by its pattern; the refusals say which kind of error they are.
func TestRules(t *testing.T) {
	ctx := t.Context()
	st := storetest.New(t)
	rules := mirror.NewRules(st)

	if got, err := rules.List(ctx); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("List of no rules = %v, %v; want an empty list", got, err)
	}
	if err := rules.Add(ctx, mirror.Rule{Pattern: "acme/*", Countersign: true, Key: "mirror"}); err != nil {
		t.Fatalf("Add acme/*: %v", err)
	}
	if err := rules.Add(ctx, mirror.Rule{Pattern: "other/x"}); err != nil {
		t.Fatalf("Add other/x: %v", err)
	}

	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"add a pattern that has a rule", func() error { return rules.Add(ctx, mirror.Rule{Pattern: "acme/*"}) }, errkind.Invalid},
		{"remove a pattern that has none", func() error { return rules.Remove(ctx, "acme/app") }, store.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}

	// Kept durably, and untouched by the refusals.
	got, err := mirror.NewRules(st).List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Pattern != "acme/*" || !got[0].Countersign || got[0].Key != "mirror" || got[0].Cursors == nil ||
		got[1].Pattern != "other/x" {
		t.Fatalf("rules read back = %+v, want acme/* (countersigned by mirror) and other/x", got)
	}

	if err := rules.Remove(ctx, "acme/*"); err != nil {
		t.Fatalf("Remove acme/*: %v", err)
	}
	got, err = rules.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Pattern != sign.Pattern("other/x") {
		t.Errorf("rules after removing acme/* = %+v, want other/x", got)
	}
}

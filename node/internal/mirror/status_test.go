package mirror_test

import (
	"slices"
	"testing"

	"github.com/cairnpkg/cairn/node/internal/mirror"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
)

// TestStatus: each rule's lag is head - cursor over the logs of the keys
// the policy trusts for a pattern overlapping the rule's.
func TestStatus(t *testing.T) {
	f := newFixture(t)
	a, b, c := signtest.Key(t, 1), signtest.Key(t, 2), signtest.Key(t, 3)
	f.trust("acme/*", a, b)
	f.trust("other/*", c)
	heads := []store.Head{{Signer: a.DID(), Seq: 5}, {Signer: b.DID(), Seq: 2}, {Signer: c.DID(), Seq: 7}}

	cases := []struct {
		pattern  sign.Pattern
		cursors  map[string]uint64
		wantLogs []mirror.LogStatus
		wantLag  uint64
	}{
		{
			pattern: "acme/*",
			cursors: map[string]uint64{a.DID(): 3, c.DID(): 1},
			wantLogs: []mirror.LogStatus{
				{Signer: a.DID(), Head: 5, Cursor: 3, Lag: 2},
				{Signer: b.DID(), Head: 2, Cursor: 0, Lag: 2},
			},
			wantLag: 4,
		},
		{
			pattern: "acme/app", // overlaps acme/*
			cursors: map[string]uint64{a.DID(): 5, b.DID(): 1},
			wantLogs: []mirror.LogStatus{
				{Signer: a.DID(), Head: 5, Cursor: 5, Lag: 0},
				{Signer: b.DID(), Head: 2, Cursor: 1, Lag: 1},
			},
			wantLag: 1,
		},
		{
			pattern:  "other/x",
			cursors:  map[string]uint64{c.DID(): 9}, // ahead of the head held
			wantLogs: []mirror.LogStatus{{Signer: c.DID(), Head: 7, Cursor: 9, Lag: 0}},
			wantLag:  0,
		},
		{
			pattern:  "third/*", // no key trusted
			wantLogs: []mirror.LogStatus{},
			wantLag:  0,
		},
	}
	for _, tc := range cases {
		f.addRule(mirror.Rule{Pattern: tc.pattern, Cursors: tc.cursors})
	}
	pol, _ := f.policy()
	got, err := mirror.Status(f.ctx, f.rules, heads, pol)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cases) {
		t.Fatalf("Status returned %d rules, want %d", len(got), len(cases))
	}
	for i, tc := range cases {
		t.Run(string(tc.pattern), func(t *testing.T) {
			rs := got[i]
			if rs.Pattern != tc.pattern {
				t.Fatalf("rule %d is %s, want %s", i, rs.Pattern, tc.pattern)
			}
			if rs.Logs == nil || !slices.Equal(rs.Logs, tc.wantLogs) {
				t.Errorf("logs = %+v, want %+v", rs.Logs, tc.wantLogs)
			}
			if rs.Lag != tc.wantLag {
				t.Errorf("lag = %d, want %d", rs.Lag, tc.wantLag)
			}
		})
	}
}

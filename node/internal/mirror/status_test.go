package mirror_test

import (
	"slices"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"

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
	got, err := mirror.Status(f.ctx, f.rules, heads, pol, f.st, time.Now())
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

// TestStatusFreshness: a log's status says when its head was last stated,
// and a rule mirroring a pattern whose policy rule has a max_age shows that
// rule's freshness: stale once its keys are quiet longer.
func TestStatusFreshness(t *testing.T) {
	f := newFixture(t)
	a, b := signtest.Key(t, 1), signtest.Key(t, 2)
	f.trust("acme/*", a, b)
	f.trust("other/*", b)
	pol, _ := f.policy()
	pol.Rules[0].MaxAge = "1h"
	now := time.Now().UTC().Truncate(time.Second)
	heard := now.Add(-90 * time.Minute)
	st := &dag.Announcement{Seq: 5, Head: dagtest.NodeCID(t, "head"), Created: heard, Expires: heard.Add(24 * time.Hour)}
	if err := sign.SignAnnouncement(a, st); err != nil {
		t.Fatal(err)
	}
	data, err := st.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.PutStatement(f.ctx, a.DID(), data); err != nil {
		t.Fatal(err)
	}
	f.addRule(mirror.Rule{Pattern: "acme/*"})
	f.addRule(mirror.Rule{Pattern: "other/*"})
	heads := []store.Head{{Signer: a.DID(), Seq: 5}, {Signer: b.DID(), Seq: 2}}
	status := func(now time.Time) []mirror.RuleStatus {
		t.Helper()
		got, err := mirror.Status(f.ctx, f.rules, heads, pol, f.st, now)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	got := status(now)
	if l := got[0].Logs[0]; l.Heard == nil || !l.Heard.Equal(heard) {
		t.Errorf("log of a heard %v, want %s", l.Heard, heard)
	}
	if l := got[0].Logs[1]; l.Heard != nil {
		t.Errorf("log of b heard %v, want never", l.Heard)
	}
	if fr := got[0].Freshness; len(fr) != 1 || !fr[0].Stale || fr[0].Rule != "acme/*" {
		t.Errorf("acme/* freshness %+v, want the rule stale", fr)
	}
	if fr := got[1].Freshness; len(fr) != 0 {
		t.Errorf("other/* freshness %+v, want none (its rule has no max_age)", fr)
	}
	if fr := status(heard.Add(30 * time.Minute))[0].Freshness; len(fr) != 1 || fr[0].Stale {
		t.Errorf("half an hour after the statement: %+v, want fresh", fr)
	}
}

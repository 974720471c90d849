package mirror_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/mirror"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
)

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		retry    time.Duration
		attempts int
		want     time.Duration
	}{
		{10 * time.Second, 0, 10 * time.Second},
		{10 * time.Second, 1, 10 * time.Second},
		{10 * time.Second, 2, 20 * time.Second},
		{10 * time.Second, 3, 40 * time.Second},
		{10 * time.Second, 4, 80 * time.Second},
		{10 * time.Second, 6, 320 * time.Second},
		{10 * time.Second, 7, 10 * time.Minute},
		{10 * time.Second, 100, 10 * time.Minute},
		{time.Second, 3, 4 * time.Second},
		{7 * time.Minute, 2, 10 * time.Minute},
		{time.Hour, 1, 10 * time.Minute},
	} {
		t.Run(fmt.Sprintf("%s×%d", c.retry, c.attempts), func(t *testing.T) {
			if got := mirror.Backoff(c.retry, c.attempts); got != c.want {
				t.Errorf("Backoff(%s, %d) = %s, want %s", c.retry, c.attempts, got, c.want)
			}
		})
	}
}

// TestPassMovesCursorOnlyAfterCommit: an entry whose package and the nodes
// it names are not all pinned after the fetch stays under the cursor, with
// a failure recorded; once they are, the cursor moves to it.
func TestPassMovesCursorOnlyAfterCommit(t *testing.T) {
	const ref = "acme/app@1.0.0"
	for _, tc := range []struct {
		name      string
		fallShort func(*fetcher)
	}{
		{"fetch fails", func(f *fetcher) { f.failWith(ref, errors.New("no peer answered")) }},
		{"fetch pins nothing", func(f *fetcher) { f.pinOnly(ref) }},
		{"fetch leaves out the signatures", func(f *fetcher) { f.pinOnly(ref, store.PinPackage, store.PinMetadata) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			k := signtest.Key(t, 1)
			f.trust("acme/*", k)
			f.addRule(mirror.Rule{Pattern: "acme/*"})
			e := f.publish(k, ref, 2)
			tc.fallShort(f.fetch)
			m := f.mirrorer(func(c *mirror.Config) { c.FetchTimeout = time.Minute })

			f.pass(m)
			calls := f.fetch.Calls()
			if len(calls) != 1 || !calls[0].Package.Equals(e.Package) || calls[0].Ref != e.Ref {
				t.Fatalf("fetch calls = %+v, want one of %s as %s", calls, e.Package, ref)
			}
			if d := calls[0].Deadline; d.IsZero() || d.After(time.Now().Add(time.Minute)) {
				t.Errorf("fetch deadline = %v, want at most FetchTimeout (1m) away", d)
			}
			r := f.rule("acme/*")
			if c, ok := r.Cursors[k.DID()]; ok {
				t.Errorf("cursor = %d after the entry fell short, want none", c)
			}
			if r.Mirrored != 0 || r.LastMirrored != nil {
				t.Errorf("mirrored = %d (last %v), want 0", r.Mirrored, r.LastMirrored)
			}
			if len(r.Failures) != 1 {
				t.Fatalf("failures = %+v, want one", r.Failures)
			}
			fl := r.Failures[0]
			if fl.Signer != k.DID() || fl.Seq != e.Seq || fl.Name != "acme/app" || fl.Version != "1.0.0" ||
				!fl.Package.Equals(e.Package) || fl.Attempts != 1 || fl.Permanent || fl.Error == "" || !fl.At.Equal(f.clock.Now()) {
				t.Errorf("failure = %+v, want attempt 1 at %v of entry %d, not permanent, with an error", fl, f.clock.Now(), e.Seq)
			}
			if got, want := f.counts.get(), map[string]int{"failed": 1}; !maps.Equal(got, want) {
				t.Errorf("counts = %v, want %v", got, want)
			}

			f.fetch.failWith(ref, nil)
			f.fetch.pinAll(ref)
			f.clock.Add(retry)
			f.pass(m)
			r = f.rule("acme/*")
			if c := r.Cursors[k.DID()]; c != e.Seq {
				t.Errorf("cursor = %d after the fetch committed, want %d", c, e.Seq)
			}
			if r.Mirrored != 1 || r.LastMirrored == nil || !r.LastMirrored.Equal(f.clock.Now()) {
				t.Errorf("mirrored = %d (last %v), want 1 at %v", r.Mirrored, r.LastMirrored, f.clock.Now())
			}
			if len(r.Failures) != 0 {
				t.Errorf("failures = %+v after the entry was mirrored, want none", r.Failures)
			}
			if got, want := f.counts.get(), map[string]int{"failed": 1, "mirrored": 1}; !maps.Equal(got, want) {
				t.Errorf("counts = %v, want %v", got, want)
			}

			f.clock.Add(time.Hour)
			f.pass(m)
			if n := len(f.fetch.Calls()); n != 2 {
				t.Errorf("fetch calls = %d after a pass with nothing new, want still 2", n)
			}
			if r := f.rule("acme/*"); r.Mirrored != 1 {
				t.Errorf("mirrored = %d after a pass with nothing new, want still 1", r.Mirrored)
			}
		})
	}
}

// TestPassBacksOff: an entry that failed is not fetched again until
// Backoff(retry, attempts) has passed since, and its attempts count up.
func TestPassBacksOff(t *testing.T) {
	f := newFixture(t)
	k := signtest.Key(t, 1)
	f.trust("acme/*", k)
	f.addRule(mirror.Rule{Pattern: "acme/*"})
	f.publish(k, "acme/app@1.0.0", 1)
	f.fetch.failWith("acme/app@1.0.0", errors.New("no peer answered"))
	m := f.mirrorer()
	f.pass(m)

	for i, step := range []struct {
		advance      time.Duration // since the pass before
		wantCalls    int
		wantAttempts int
	}{
		{9 * time.Second, 1, 1},  // within 10s of the first failure
		{time.Second, 2, 2},      // 10s after it
		{19 * time.Second, 2, 2}, // within 20s of the second
		{time.Second, 3, 3},
		{39 * time.Second, 3, 3}, // within 40s of the third
		{time.Second, 4, 4},
	} {
		f.clock.Add(step.advance)
		f.pass(m)
		if n := len(f.fetch.Calls()); n != step.wantCalls {
			t.Errorf("step %d (+%s): fetch calls = %d, want %d", i, step.advance, n, step.wantCalls)
		}
		r := f.rule("acme/*")
		if len(r.Failures) != 1 || r.Failures[0].Attempts != step.wantAttempts || r.Failures[0].Permanent {
			t.Errorf("step %d (+%s): failures = %+v, want one of %d attempts, not permanent", i, step.advance, r.Failures, step.wantAttempts)
		}
		if c := r.Cursors[k.DID()]; c != 0 {
			t.Errorf("step %d: cursor = %d, want 0", i, c)
		}
	}
}

// TestPassBackoffHoldsOnlyItsLog: while one log waits for an entry's
// backoff, the others are mirrored, whether the waiting log comes before or
// after them in a pass (logs are taken in the order of their keys).
func TestPassBackoffHoldsOnlyItsLog(t *testing.T) {
	for _, seeds := range [][2]byte{{1, 2}, {2, 1}} {
		t.Run(fmt.Sprintf("keys %d and %d", seeds[0], seeds[1]), func(t *testing.T) {
			f := newFixture(t)
			a, b := signtest.Key(t, seeds[0]), signtest.Key(t, seeds[1])
			f.trust("acme/*", a, b)
			f.addRule(mirror.Rule{Pattern: "acme/*"})
			f.publish(a, "acme/app@1.0.0", 1)
			f.publish(a, "acme/app@1.1.0", 1)
			f.fetch.failWith("acme/app@1.0.0", errors.New("no peer answered"))
			m := f.mirrorer()
			f.pass(m)

			f.publish(b, "acme/lib@1.0.0", 1)
			f.clock.Add(time.Second)
			f.pass(m)
			if got, want := refs(f.fetch.Calls()), []string{"acme/app@1.0.0", "acme/lib@1.0.0"}; !slices.Equal(got, want) {
				t.Errorf("fetched %q, want %q: a's log waits, in order, and b's goes on", got, want)
			}
			r := f.rule("acme/*")
			if ca, cb := r.Cursors[a.DID()], r.Cursors[b.DID()]; ca != 0 || cb != 1 {
				t.Errorf("cursors: a %d, b %d; want 0 and 1", ca, cb)
			}
		})
	}
}

// TestPassPassesOverOtherNames: entries whose names the rule's pattern does
// not match are not fetched, and the cursor moves past them in one write at
// the end of the log, never past an entry that failed.
func TestPassPassesOverOtherNames(t *testing.T) {
	for _, tc := range []struct {
		name        string
		log         []string
		failing     string
		wantFetched []string
		wantCursor  uint64
		wantWrites  int
	}{
		{
			name:        "no name matches",
			log:         []string{"other/x@1.0.0", "other/x@2.0.0", "other/y@1.0.0"},
			wantFetched: []string{},
			wantCursor:  3,
			wantWrites:  1,
		},
		{
			name:        "misses around a match",
			log:         []string{"other/x@1.0.0", "acme/app@1.0.0", "other/x@2.0.0"},
			wantFetched: []string{"acme/app@1.0.0"},
			wantCursor:  3,
			wantWrites:  2, // the match's, then the end's
		},
		{
			name:        "misses after a failure wait",
			log:         []string{"other/x@1.0.0", "acme/app@1.0.0", "other/x@2.0.0"},
			failing:     "acme/app@1.0.0",
			wantFetched: []string{"acme/app@1.0.0"},
			wantCursor:  1,
			wantWrites:  2, // the failure, then the miss before it
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			k := signtest.Key(t, 1)
			f.trust("*", k)
			f.addRule(mirror.Rule{Pattern: "acme/*"})
			for _, ref := range tc.log {
				f.publish(k, ref, 1)
			}
			if tc.failing != "" {
				f.fetch.failWith(tc.failing, errors.New("no peer answered"))
			}
			m := f.mirrorer()
			f.state.reset()

			f.pass(m)
			if got := refs(f.fetch.Calls()); !slices.Equal(got, tc.wantFetched) {
				t.Errorf("fetched %q, want %q", got, tc.wantFetched)
			}
			if c := f.rule("acme/*").Cursors[k.DID()]; c != tc.wantCursor {
				t.Errorf("cursor = %d, want %d", c, tc.wantCursor)
			}
			if n := f.state.reset(); n != tc.wantWrites {
				t.Errorf("rules written %d times, want %d", n, tc.wantWrites)
			}

			f.pass(m) // nothing new, and a failure still backing off
			if n := f.state.reset(); n != 0 {
				t.Errorf("a pass with nothing to do wrote the rules %d times", n)
			}
		})
	}
}

// TestPassGivesUpOnRefusedEntries: an entry the policy refuses is recorded
// as a permanent failure, the cursor moves past it even when it is the
// log's last, the next entry is mirrored, and it is not tried again; a
// transient failure holds the log instead.
func TestPassGivesUpOnRefusedEntries(t *testing.T) {
	const bad, good = "acme/bad@1.0.0", "acme/app@1.0.0"
	for _, tc := range []struct {
		name          string
		setup         func(f *fixture, k, other *sign.Key)
		fetchesBad    bool // whether the refusal comes from the fetch
		wantPermanent bool
	}{
		{
			name: "signer not trusted for the name",
			setup: func(f *fixture, k, other *sign.Key) {
				f.trust("acme/*", k)
				f.trust("acme/bad", other) // the more specific rule wins
			},
			wantPermanent: true,
		},
		{
			name: "fetch finds the package untrusted",
			setup: func(f *fixture, k, _ *sign.Key) {
				f.trust("acme/*", k)
				f.fetch.failWith(bad, fmt.Errorf("%w: no valid metadata set", trust.ErrUntrusted))
			},
			fetchesBad:    true,
			wantPermanent: true,
		},
		{
			name: "name disputed",
			setup: func(f *fixture, k, other *sign.Key) {
				f.trust("acme/*", k, other)
				f.dispute(bad, k, other)
			},
			wantPermanent: true,
		},
		{
			name: "not a package",
			setup: func(f *fixture, k, _ *sign.Key) {
				f.trust("acme/*", k)
				f.fetch.failWith(bad, fmt.Errorf("%w: it is content", store.ErrNotPackage))
			},
			fetchesBad:    true,
			wantPermanent: true,
		},
		{
			name: "transient failure",
			setup: func(f *fixture, k, _ *sign.Key) {
				f.trust("acme/*", k)
				f.fetch.failWith(bad, errors.New("connection reset"))
			},
			fetchesBad:    true,
			wantPermanent: false,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			k, other := signtest.Key(t, 1), signtest.Key(t, 2)
			tc.setup(f, k, other)
			f.addRule(mirror.Rule{Pattern: "acme/*"})
			m := f.mirrorer()
			// pass passes and checks what it fetched and where the cursor is.
			pass := func(step string, wantFetched []string, wantCursor uint64) mirror.Rule {
				t.Helper()
				before := len(f.fetch.Calls())
				f.pass(m)
				if got := refs(f.fetch.Calls()[before:]); !slices.Equal(got, wantFetched) {
					t.Errorf("%s: fetched %q, want %q", step, got, wantFetched)
				}
				r := f.rule("acme/*")
				if c := r.Cursors[k.DID()]; c != wantCursor {
					t.Errorf("%s: cursor = %d, want %d", step, c, wantCursor)
				}
				return r
			}
			pick := func(permanent, transient []string) []string {
				if tc.wantPermanent {
					return permanent
				}
				return transient
			}
			cursor := func(permanent uint64) uint64 {
				if tc.wantPermanent {
					return permanent
				}
				return 0
			}

			f.publish(k, bad, 1)
			wantFetched := []string{}
			if tc.fetchesBad {
				wantFetched = []string{bad}
			}
			r := pass("the refused entry last in the log", wantFetched, cursor(1))
			if len(r.Failures) != 1 || r.Failures[0].Seq != 1 || r.Failures[0].Permanent != tc.wantPermanent || r.Failures[0].Attempts != 1 {
				t.Fatalf("failures = %+v, want entry 1's, permanent %v", r.Failures, tc.wantPermanent)
			}

			f.publish(k, good, 1)
			r = pass("the entry after it", pick([]string{good}, []string{}), cursor(2))
			wantMirrored, wantCounts := 1, map[string]int{"refused": 1, "mirrored": 1}
			if !tc.wantPermanent {
				wantMirrored, wantCounts = 0, map[string]int{"failed": 1}
			}
			if r.Mirrored != wantMirrored {
				t.Errorf("mirrored = %d, want %d", r.Mirrored, wantMirrored)
			}
			if got := f.counts.get(); !maps.Equal(got, wantCounts) {
				t.Errorf("counts = %v, want %v", got, wantCounts)
			}

			f.clock.Add(time.Hour)
			pass("an hour later", pick([]string{}, []string{bad}), cursor(2))
		})
	}
}

// TestStartWakesOnEvents: a started mirror passes at once, and again when
// the bus says the logs caught up; Close stops it and is idempotent.
func TestStartWakesOnEvents(t *testing.T) {
	f := newFixture(t)
	k := signtest.Key(t, 1)
	f.trust("acme/*", k)
	f.addRule(mirror.Rule{Pattern: "acme/*"})
	f.publish(k, "acme/app@1.0.0", 1)
	f.fetch.called = make(chan fetchCall, 8)
	bus := events.NewBus()
	m := f.mirrorer(func(c *mirror.Config) { c.Bus, c.Retry = bus, time.Hour })
	m.Start(f.ctx)
	t.Cleanup(func() { m.Close() })

	waitFetch := func(ref string) {
		t.Helper()
		select {
		case c := <-f.fetch.called:
			if c.Ref.String() != ref {
				t.Fatalf("fetched %s, want %s", c.Ref, ref)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s was not fetched within 10s", ref)
		}
	}
	waitFetch("acme/app@1.0.0")
	f.publish(k, "acme/app@2.0.0", 1)
	bus.Emit(events.LogsCaughtUp{Signer: k.DID(), Added: 1})
	waitFetch("acme/app@2.0.0") // long before the hour's retry

	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	bus.Emit(events.MirrorsChanged{}) // unsubscribed: no one to wake
}

// TestPassSkipsCorrections: yank, unyank, rotate and revoke entries name no
// package to keep: the mirror fetches only the releases, and its cursor
// moves past the rest to the log's end.
func TestPassSkipsCorrections(t *testing.T) {
	f := newFixture(t)
	k, next := signtest.Key(t, 1), signtest.Key(t, 2)
	f.trust("*", k)
	f.addRule(mirror.Rule{Pattern: "*"})
	p := f.publish(k, "acme/app@1.0.0", 1)
	f.correct(k, nil, &dag.LogEntry{Kind: dag.KindYank, Name: p.Ref.Name, Version: p.Ref.Version, Package: p.Package, Reason: "broken"})
	f.correct(k, nil, &dag.LogEntry{Kind: dag.KindUnyank, Name: p.Ref.Name, Version: p.Ref.Version})
	f.correct(k, next, &dag.LogEntry{Kind: dag.KindRotate, Key: next.DID()})
	m := f.mirrorer()
	f.pass(m)
	if got := refs(f.fetch.Calls()); !slices.Equal(got, []string{"acme/app@1.0.0"}) {
		t.Errorf("fetched %q, want the release only", got)
	}
	r := f.rule("*")
	if c := r.Cursors[k.DID()]; c != 4 {
		t.Errorf("cursor = %d, want 4 (past the corrections)", c)
	}
	if len(r.Failures) != 0 {
		t.Errorf("failures %+v, want none", r.Failures)
	}
}

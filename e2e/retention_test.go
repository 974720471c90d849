package e2e

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// ruleJSON is one rule of `cairn mirror ls --json` or `mirror status --json`.
type ruleJSON struct {
	Pattern  string `json:"pattern"`
	Keep     int    `json:"keep"`
	MaxBytes uint64 `json:"maxBytes"`
	Mirrored int    `json:"mirrored"`
	Removed  int    `json:"removed"`
	Lag      uint64 `json:"lag"`
}

// TestMirrorRetention: A publishes five releases of acme/app, 2 MiB each;
// a mirror M with a rule bounded by --keep 2, or by --max-bytes 5MiB, holds
// only the newest two pinned after mirroring them all, its status says three
// were removed, and a `repo gc` on M makes its repo smaller on disk.
func TestMirrorRetention(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags []string
		keep  int
		max   uint64
	}{
		{"keep 2", []string{"--keep", "2"}, 2, 0},
		{"max-bytes 5MiB", []string{"--max-bytes", "5MiB"}, 0, 5 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, m := newRepo(t), newRepo(t)
			m.ok("trust", "add", "acme/*", a.did("default"))
			m.ok(append([]string{"mirror", "add", "acme/*"}, tc.flags...)...)
			var ls []ruleJSON
			m.json(&ls, "mirror", "ls")
			if len(ls) != 1 || ls[0].Keep != tc.keep || ls[0].MaxBytes != tc.max {
				t.Fatalf("mirror ls = %+v, want keep %d, maxBytes %d", ls, tc.keep, tc.max)
			}
			da, dm := startDaemon(t, a), startDaemon(t, m)
			connect(t, dm, da)

			versions := []string{"1.0.9", "1.0.10", "1.0.11", "1.0.12", "1.0.13"} // by precedence, not bytes
			for i, v := range versions {
				src := filepath.Join(t.TempDir(), "app.bin")
				randomFile(t, src, 2<<20, uint64(100+i))
				a.publish("acme/app", v, []string{src})
			}
			var st struct {
				Rules []ruleJSON `json:"rules"`
			}
			eventually(t, 60*time.Second, func() (bool, string) {
				m.on(t).json(&st, "mirror", "status")
				return len(st.Rules) == 1 && st.Rules[0].Mirrored == 5 && st.Rules[0].Lag == 0 && st.Rules[0].Removed == 3,
					fmt.Sprintf("mirror status %+v\n%s", st, dm.logs())
			})
			if r := st.Rules[0]; r.Keep != tc.keep || r.MaxBytes != tc.max {
				t.Errorf("mirror status rule = %+v, want keep %d, maxBytes %d", r, tc.keep, tc.max)
			}
			if out := m.ok("mirror", "status").stdout; !strings.Contains(out, "removed 3 versions") {
				t.Errorf("mirror status does not say what retention removed:\n%s", out)
			}
			var pinned []string
			var vs []versionJSON
			m.json(&vs, "versions", "acme/app")
			for _, v := range vs {
				if v.Pinned {
					pinned = append(pinned, v.Version)
				}
			}
			slices.Sort(pinned)
			if want := []string{"1.0.12", "1.0.13"}; !slices.Equal(pinned, want) {
				t.Fatalf("M pins %v of acme/app, want %v", pinned, want)
			}
			m.ok("get", "acme/app@1.0.13", "-o", filepath.Join(t.TempDir(), "out"))

			before := du(t, m.dir)
			m.ok("repo", "gc")
			after := du(t, m.dir)
			t.Logf("M's repo: %d KiB before gc, %d KiB after", before>>10, after>>10)
			if after+5<<20 > before {
				t.Errorf("du of M's repo went from %d to %d bytes after gc, want it at least 5 MiB smaller (three 2 MiB versions removed)", before, after)
			}
			// What retention removed is not fetched again: the cursor is past it.
			m.json(&st, "mirror", "status")
			if r := st.Rules[0]; r.Mirrored != 5 || r.Removed != 3 {
				t.Errorf("mirror status after gc = %+v, want 5 mirrored, 3 removed", r)
			}
		})
	}
}

// TestKillDuringRetention: 30 times, A publishes a release, and the mirror
// M (--keep 1), which mirrors it and then removes the one before, is killed
// with SIGKILL at a random moment of that work: every time M's repo opens,
// repo verify finds nothing missing or damaged, every version it still
// pins verifies, and M restarted catches up.
func TestKillDuringRetention(t *testing.T) {
	if testing.Short() {
		t.Skip("30 crashes skipped in -short mode")
	}
	a, m := newRepo(t), newRepo(t)
	m.ok("trust", "add", "acme/*", a.did("default"))
	m.ok("mirror", "add", "acme/*", "--keep", "1")
	da := startDaemon(t, a)
	rng := rand.New(rand.NewPCG(3, 5))
	pinnedIn := func() []string {
		var vs []versionJSON
		m.json(&vs, "versions", "acme/app")
		var out []string
		for _, v := range vs {
			if v.Pinned {
				out = append(out, v.Version)
			}
		}
		return out
	}
	for i := range 30 {
		dm := startDaemon(t, m)
		connect(t, dm, da)
		version := fmt.Sprintf("1.0.%d", i)
		src := filepath.Join(t.TempDir(), "app")
		randomFile(t, src, 256<<10, uint64(i))
		a.publish("acme/app", version, []string{src})
		time.Sleep(time.Duration(rng.Int64N(int64(250 * time.Millisecond))))
		dm.kill()
		what := fmt.Sprintf("kill %d", i)
		if res := m.run("repo", "verify"); res.code != 0 {
			t.Fatalf("%s: repo verify:\n%s", what, res)
		}
		for _, v := range pinnedIn() {
			if res := m.run("verify", "acme/app@"+v); res.code != 0 {
				t.Fatalf("%s: verify of pinned acme/app@%s:\n%s", what, v, res)
			}
		}
	}
	dm := startDaemon(t, m)
	connect(t, dm, da)
	eventually(t, 30*time.Second, func() (bool, string) {
		p := pinnedIn()
		return slices.Equal(p, []string{"1.0.29"}), fmt.Sprintf("M pins %v, want only the newest", p)
	})
	m.ok("repo", "verify")
}

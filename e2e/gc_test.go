package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests of removing packages and collecting garbage (docs/repo.md §7).

// du returns the bytes allocated to the files under dir, as du(1) counts
// them (badger's value log is a sparse file: its apparent size says little).
func du(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err != nil {
			return nil // removed while we walked
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && info.Mode().IsRegular() {
			n += st.Blocks * 512
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// randomAt writes size seeded pseudo-random bytes at path and returns path.
func randomAt(t *testing.T, path string, size int64, seed uint64) string {
	t.Helper()
	randomFile(t, path, size, seed)
	return path
}

// getSame fails unless `get ref` on r writes a file byte-identical to src.
func getSame(t *testing.T, r *repo, ref, src string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	r.ok("get", ref, "-o", out)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("get %s: %d bytes that differ from the %d published", ref, len(got), len(want))
	}
}

// TestRmAndGC: three 20 MiB packages; rm one and repo gc: du of the repo
// drops by at least 18 MiB; the other two get byte-identical and verify;
// what rm refuses (an input of another package, a mirrored name, something
// not pinned) it refuses clearly.
func TestRmAndGC(t *testing.T) {
	r := newRepo(t)
	dir := t.TempDir()
	var srcs []string
	for i, v := range []string{"1.0.0", "2.0.0", "3.0.0"} {
		src := randomAt(t, filepath.Join(dir, "app-"+v), 20<<20, uint64(100+i))
		srcs = append(srcs, src)
		r.publish("acme/app", v, []string{src})
	}
	small := filepath.Join(dir, "tool")
	writeFile(t, small, []byte("a tool made from acme/app@3.0.0\n"))
	r.publish("acme/tool", "1.0.0", []string{small}, "--input", "acme/app@3.0.0")

	r.fail(1, []string{"is an input of acme/tool@1.0.0", "--force"}, "rm", "acme/app@3.0.0")
	r.ok("mirror", "add", "acme/app")
	r.fail(1, []string{"is mirrored by the rule acme/app"}, "rm", "acme/app@1.0.0")
	r.ok("mirror", "rm", "acme/app")
	r.fail(4, []string{"acme/app@9.9.9"}, "rm", "acme/app@9.9.9")
	r.fail(2, []string{"NAME@VERSION or a package CID"}, "rm")

	before := du(t, r.dir)
	var rm struct {
		Package  cidJSON   `json:"package"`
		Unpinned []cidJSON `json:"unpinned"`
	}
	r.json(&rm, "rm", "acme/app@1.0.0")
	if len(rm.Unpinned) != 4 {
		t.Errorf("rm unpinned %v, want the package, its metadata set, its signature and its content", rm.Unpinned)
	}
	var stat struct {
		Reclaimable uint64 `json:"reclaimableBytes"`
		Pinned      uint64 `json:"pinnedBytes"`
	}
	r.json(&stat, "repo", "stat")
	if stat.Reclaimable < 20<<20 {
		t.Errorf("repo stat: %d bytes reclaimable after rm, want at least 20 MiB", stat.Reclaimable)
	}
	var gc struct {
		Removed      int    `json:"removed"`
		RemovedBytes uint64 `json:"removedBytes"`
	}
	r.json(&gc, "repo", "gc")
	after := du(t, r.dir)
	t.Logf("du %d -> %d bytes; gc removed %d blocks, %d bytes", before, after, gc.Removed, gc.RemovedBytes)
	if before-after < 18<<20 {
		t.Errorf("du of the repo dropped by %d bytes, want at least 18 MiB", before-after)
	}
	if gc.RemovedBytes < 20<<20 {
		t.Errorf("gc removed %d bytes, want the 20 MiB package", gc.RemovedBytes)
	}
	for i, v := range []string{"2.0.0", "3.0.0"} {
		getSame(t, r, "acme/app@"+v, srcs[i+1])
		r.ok("verify", "acme/app@"+v)
	}
	r.ok("verify", "acme/tool@1.0.0")
	r.ok("repo", "verify")
	// The name still resolves from the log; the package is not held.
	r.fail(4, nil, "get", "acme/app@1.0.0", "-o", filepath.Join(dir, "gone"))
	if v := r.version("acme/app", "1.0.0"); v.Status != "trusted" || v.Pinned {
		t.Errorf("acme/app@1.0.0 after rm: %+v, want trusted from the log, not pinned", v)
	}
	r.ok("rm", "acme/app@3.0.0", "--force")
	r.ok("repo", "gc")
	// Its input is gone: verify says so, by the input's verdict.
	if res := r.run("verify", "acme/tool@1.0.0"); res.code != 3 || !strings.Contains(res.stdout, "input-untrusted") || !strings.Contains(res.stdout, "not in the repo") {
		t.Errorf("verify of a package whose input was removed:\n%s", res)
	}
}

// TestGCDuringFetch: a daemon collects garbage while it fetches 200 MB: the
// collection waits for the fetch's transaction, the fetch completes, and
// the package verifies and reads back whole.
func TestGCDuringFetch(t *testing.T) {
	if testing.Short() {
		t.Skip("large fetch skipped in -short mode")
	}
	a, b := newRepo(t), newRepo(t)
	src := randomAt(t, filepath.Join(t.TempDir(), "big"), 200<<20, 42)
	pub := a.publish("acme/big", "1.0.0", []string{src})
	b.ok("trust", "add", "acme/*", a.did("default"))
	// Garbage on B for the collection to find.
	junk := randomAt(t, filepath.Join(t.TempDir(), "junk"), 8<<20, 43)
	b.publish("acme/junk", "1.0.0", []string{junk})
	b.ok("rm", "acme/junk@1.0.0")
	da, db := startDaemon(t, a), startDaemon(t, b)
	connect(t, db, da)

	fetch := exec.Command(cairnBin, "fetch", pub.Package.S, "--timeout", "120s")
	fetch.Env = append(os.Environ(), "CAIRN_REPO="+b.dir)
	var out bytes.Buffer
	fetch.Stdout, fetch.Stderr = &out, &out
	if err := fetch.Start(); err != nil {
		t.Fatal(err)
	}
	packs := filepath.Join(b.dir, "store", "packs")
	base := dirSize(packs)
	eventually(t, 60*time.Second, func() (bool, string) {
		return dirSize(packs) > base+16<<20, "the fetch to have written 16 MiB"
	})
	var gc struct {
		Removed int `json:"removed"`
	}
	b.json(&gc, "repo", "gc")
	if err := fetch.Wait(); err != nil {
		t.Fatalf("fetch during gc: %v\n%s", err, out.String())
	}
	if gc.Removed == 0 {
		t.Errorf("gc removed nothing; the junk package was garbage")
	}
	b.ok("verify", pub.Package.S)
	getSame(t, b, pub.Package.S, src)
}

// TestKillDuringGC: 30 times, a repo whose one pack file holds a package
// and the larger one removed from it (so the collection rewrites the pack)
// is collected by a `cairn repo gc` killed with SIGKILL at a random moment:
// every time the repo opens, repo verify finds nothing missing or damaged,
// the kept package verifies and reads back whole, and a second collection
// finishes the work.
func TestKillDuringGC(t *testing.T) {
	if testing.Short() {
		t.Skip("30 crashes skipped in -short mode")
	}
	src := newRepo(t)
	dir := t.TempDir()
	base := randomAt(t, filepath.Join(dir, "base"), 4<<20, 1)
	app := randomAt(t, filepath.Join(dir, "app"), 12<<20, 2)
	src.publish("acme/base", "1.0.0", []string{base})
	src.publish("acme/app", "1.0.0", []string{app}, "--input", "acme/base@1.0.0")
	bundle := filepath.Join(dir, "app.car")
	src.ok("export", "acme/app@1.0.0", "-o", bundle)
	did := src.did("default")

	// How long an uninterrupted collection takes, to aim the kills.
	r := newRepo(t)
	r.ok("trust", "add", "acme/*", did)
	r.ok("import", bundle)
	r.ok("rm", "acme/app@1.0.0")
	start := time.Now()
	var st struct {
		PacksRewritten int `json:"packsRewritten"`
	}
	r.json(&st, "repo", "gc")
	span := time.Since(start)
	if st.PacksRewritten != 1 {
		t.Fatalf("the collection rewrote %d packs, want 1 (the bundle's)", st.PacksRewritten)
	}
	t.Logf("an uninterrupted gc takes %s", span.Round(time.Millisecond))

	rng := rand.New(rand.NewPCG(7, 11))
	killed := 0
	for i := range 30 {
		r := newRepo(t)
		r.ok("trust", "add", "acme/*", did)
		r.ok("import", bundle)
		r.ok("rm", "acme/app@1.0.0")
		delay := time.Duration(rng.Int64N(int64(span) + 1))
		cmd := exec.Command(cairnBin, "repo", "gc")
		cmd.Env = append(os.Environ(), "CAIRN_REPO="+r.dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		if err := cmd.Wait(); err != nil {
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				killed++
			}
		}
		what := fmt.Sprintf("kill %d after %s", i, delay.Round(time.Microsecond))
		if res := r.run("repo", "verify"); res.code != 0 {
			t.Fatalf("%s: repo verify:\n%s", what, res)
		}
		if res := r.run("verify", "acme/base@1.0.0"); res.code != 0 {
			t.Fatalf("%s: verify of the kept package:\n%s", what, res)
		}
		getSame(t, r, "acme/base@1.0.0", base)
		r.ok("repo", "gc")
		getSame(t, r, "acme/base@1.0.0", base)
		if out := r.ok("repo", "stat").stdout; !strings.Contains(out, "unpinned    0 B") {
			t.Fatalf("%s: after a second gc, repo stat:\n%s", what, out)
		}
	}
	t.Logf("%d of 30 collections were killed before they ended", killed)
}

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// setStore sets key = value in the [store] section of r's config.toml.
func setStore(t *testing.T, r *repo, key string, value any) {
	t.Helper()
	path := filepath.Join(r.dir, "config.toml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(key) + ` = .*$`)
	set := fmt.Sprintf("  %s = %v", key, value)
	out := line.ReplaceAll(data, []byte(set))
	if bytes.Equal(out, data) {
		out = bytes.Replace(data, []byte("[store]\n"), []byte("[store]\n"+set+"\n"), 1)
	}
	if bytes.Equal(out, data) {
		t.Fatalf("cannot set %s in %s:\n%s", key, path, data)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStorageMaxRefusesFetch: a repo whose storage_max leaves less room
// than a package declares refuses to fetch it, saying the usage, the bound,
// what the fetch needs and what to do, exits 1, and keeps nothing; a
// publish past the bound is not refused but warns.
func TestStorageMaxRefusesFetch(t *testing.T) {
	a, m := newRepo(t), newRepo(t)
	m.ok("trust", "add", "acme/*", a.did("default"))
	src := filepath.Join(t.TempDir(), "big.bin")
	randomFile(t, src, 8<<20, 7)
	a.publish("acme/big", "1.0.0", []string{src})

	var st struct {
		DiskBytes uint64 `json:"diskBytes"`
	}
	m.json(&st, "repo", "stat")
	setStore(t, m, "storage_max_mib", st.DiskBytes>>20+4) // room for 4 MiB, not for 8
	da, dm := startDaemon(t, a), startDaemon(t, m)
	connect(t, dm, da)

	before := m.snapshot()
	m.fail(1, []string{"storage_max reached", "of its storage_max", "needs up to", "cairn rm", "cairn repo gc", "storage_max_mib"}, "fetch", "acme/big@1.0.0")
	if after := m.snapshot(); after != before {
		t.Errorf("the refused fetch changed the repo:\nbefore %s\nafter  %s", before, after)
	}
	if v := m.version("acme/big", "1.0.0"); v.Pinned {
		t.Errorf("acme/big@1.0.0 pinned after a refused fetch: %+v", v)
	}

	// Publishing is the user's choice: it goes past the bound, and warns.
	res := m.ok("publish", "--name", "local/big", "--version", "1.0.0", src)
	if !strings.Contains(res.stderr, "over its storage_max") {
		t.Errorf("publish past storage_max does not warn:\n%s", res)
	}
	dm.stop()
	da.stop()
}

// mountTmpfs mounts a tmpfs of size bytes on a fresh directory, unmounted
// when the test ends. The test is skipped only if mounting is not permitted
// (not root, or no CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		if errors.Is(err, syscall.EPERM) {
			t.Skipf("mount -t tmpfs not permitted here: %v", err)
		}
		t.Fatalf("mount tmpfs on %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// TestPublishDiskFull: on a 64 MiB file system, 12 MiB publishes succeed
// until one runs out of space mid-publish; it exits 1 saying the disk is
// full, and afterwards the repo opens, repo stat works, and every earlier
// package verifies and gets back byte-identical.
func TestPublishDiskFull(t *testing.T) {
	fsDir := mountTmpfs(t, 64<<20)
	r := &repo{t: t, dir: filepath.Join(fsDir, "repo")}
	r.ok("init")
	var kept []keptPkg
	var failed result
	for i := range 10 {
		src := filepath.Join(t.TempDir(), "pkg.bin")
		sum := randomFile(t, src, 12<<20, uint64(200+i))
		name := fmt.Sprintf("acme/p%d", i)
		res := r.run("publish", "--name", name, "--version", "1.0.0", src)
		if res.code != 0 {
			failed = res
			break
		}
		kept = append(kept, keptPkg{name, sum})
	}
	if len(kept) == 0 || failed.code == 0 {
		t.Fatalf("kept %d packages, last failure %v: want some, then one that ran out of space", len(kept), failed)
	}
	t.Logf("%d publishes of 12 MiB fit; then:\n%s", len(kept), failed.stderr)
	if failed.code != 1 || !strings.Contains(failed.stderr, "no space left on the disk holding the repo") {
		t.Errorf("the publish that ran out of space: want exit 1 saying no space left:\n%s", failed)
	}
	checkAfterFull(t, r, kept)
}

// keptPkg is a package published or fetched before the disk filled: its
// name (version 1.0.0) and its content's sha256.
type keptPkg struct{ name, sum string }

// checkAfterFull checks that r opens after running out of space, that no
// publish is half there, that repo verify finds nothing missing or
// damaged, and that each of kept gets back byte-identical and verifies.
func checkAfterFull(t *testing.T, r *repo, kept []keptPkg) {
	t.Helper()
	var st struct {
		Journal  int `json:"journal"`
		Versions int `json:"versions"`
	}
	r.json(&st, "repo", "stat")
	if st.Versions != len(kept) || st.Journal != 0 {
		t.Errorf("repo stat after the full disk: %+v, want %d versions and no journal", st, len(kept))
	}
	r.ok("repo", "verify") // nothing pinned missing or damaged
	for _, k := range kept {
		r.ok("verify", k.name+"@1.0.0")
		out := filepath.Join(t.TempDir(), "out.bin")
		r.ok("get", k.name+"@1.0.0", "-o", out)
		if got := fileSHA256(t, out); got != k.sum {
			t.Errorf("%s: got back sha256 %s, want %s", k.name, got, k.sum)
		}
	}
}

// TestFetchDiskFull: a mirror-like repo on a 64 MiB file system, its daemon
// fetching from a daemon on a normal disk, fetches a small package, then
// runs out of space fetching a 48 MiB one: the fetch exits 1 saying the
// disk is full, nothing of it is kept, and afterwards (daemon stopped) the
// repo opens and the small package verifies and gets back byte-identical.
func TestFetchDiskFull(t *testing.T) {
	fsDir := mountTmpfs(t, 64<<20)
	a := newRepo(t)
	m := &repo{t: t, dir: filepath.Join(fsDir, "repo")}
	m.ok("init")
	m.ok("trust", "add", "acme/*", a.did("default"))
	small := filepath.Join(t.TempDir(), "small.bin")
	sum := randomFile(t, small, 1<<20, 301)
	a.publish("acme/small", "1.0.0", []string{small})
	big := filepath.Join(t.TempDir(), "big.bin")
	randomFile(t, big, 48<<20, 302)
	a.publish("acme/big", "1.0.0", []string{big})

	da, dm := startDaemon(t, a), startDaemon(t, m)
	connect(t, dm, da)
	m.ok("fetch", "acme/small@1.0.0")
	before := m.snapshot()
	res := m.fail(1, []string{"no space left on the disk holding the repo"}, "fetch", "acme/big@1.0.0")
	t.Logf("the fetch that ran out of space:\n%s", res.stderr)
	if after := m.snapshot(); after != before {
		t.Errorf("the failed fetch changed the repo:\nbefore %s\nafter  %s", before, after)
	}
	if code := dm.stop(); code != 0 {
		t.Errorf("M's daemon exited %d on SIGTERM after the full disk:\n%s", code, dm.logs())
	}
	da.stop()
	checkAfterFull(t, m, []keptPkg{{"acme/small", sum}})
}

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// verifyJSON is the --json output of repo verify.
type verifyJSON struct {
	Blocks   int    `json:"blocks"`
	Bytes    uint64 `json:"bytes"`
	Stray    int    `json:"stray"`
	Problems []struct {
		Kind    string  `json:"kind"`
		CID     cidJSON `json:"cid"`
		Package cidJSON `json:"package"`
		Name    string  `json:"name"`
		Version string  `json:"version"`
		Affects string  `json:"affects"`
		Detail  string  `json:"detail"`
	} `json:"problems"`
	Repaired []struct {
		Target  cidJSON `json:"target"`
		Name    string  `json:"name"`
		Version string  `json:"version"`
		Dropped int     `json:"dropped"`
		OK      bool    `json:"ok"`
		Error   string  `json:"error"`
	} `json:"repaired"`
}

// verifyRepo runs repo verify --json (args added) and returns its report
// and exit code.
func verifyRepo(t *testing.T, r *repo, args ...string) (verifyJSON, result) {
	t.Helper()
	res := r.run(append([]string{"repo", "verify", "--json"}, args...)...)
	var v verifyJSON
	if err := json.Unmarshal([]byte(res.stdout), &v); err != nil {
		t.Fatalf("decode repo verify --json: %v\n%s", err, res)
	}
	return v, res
}

// flipPackByte flips one byte in the middle of the repo's one pack file.
func flipPackByte(t *testing.T, r *repo) {
	t.Helper()
	packs, err := filepath.Glob(filepath.Join(r.dir, "store", "packs", "*.pack"))
	if err != nil || len(packs) != 1 {
		t.Fatalf("pack files %v (%v), want one", packs, err)
	}
	data, err := os.ReadFile(packs[0])
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x01
	if err := os.WriteFile(packs[0], data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRepoVerifyFindsAndRepairsAFlippedByte: A publishes a 5 MiB package.
// One byte flipped in A's pack file makes repo verify exit 8 naming the
// package, and --repair without a daemon says it needs one. With the byte
// restored, B fetches the package from A; flipped again, repo verify
// through A's daemon finds it, --repair refetches the package from B, and
// then repo verify exits 0 and get writes the bytes A published.
func TestRepoVerifyFindsAndRepairsAFlippedByte(t *testing.T) {
	a, b := newRepo(t), newRepo(t)
	src := filepath.Join(t.TempDir(), "app.bin")
	sum := randomFile(t, src, 5<<20, 21)
	pub := a.publish("acme/app", "1.0.0", []string{src})
	b.ok("trust", "add", "acme/*", a.did("default"))
	named := "acme/app@1.0.0 (" + pub.Package.S + ")"

	if v, res := verifyRepo(t, a); res.code != 0 || len(v.Problems) != 0 || v.Blocks < 6 || v.Bytes < 5<<20 || v.Stray != 0 {
		t.Fatalf("intact repo: %+v\n%s", v, res)
	}

	// Without a daemon: found, named, exit 8; no repair without peers.
	flipPackByte(t, a)
	res := a.fail(8, []string{"repo is damaged: 1 problem", "--repair"}, "repo", "verify")
	if !strings.Contains(res.stdout, "damaged") || !strings.Contains(res.stdout, named) {
		t.Fatalf("repo verify does not name the damaged package %s:\n%s", named, res)
	}
	a.fail(1, []string{"needs a running daemon"}, "repo", "verify", "--repair")
	flipPackByte(t, a) // the same byte: restored
	a.ok("repo", "verify")

	da, db := startDaemon(t, a), startDaemon(t, b)
	connect(t, db, da)
	b.ok("fetch", pub.Package.S, "--timeout", "1m")

	flipPackByte(t, a)
	v, res := verifyRepo(t, a) // through A's daemon
	if res.code != 8 || len(v.Problems) != 1 {
		t.Fatalf("through the daemon: exit %d, %+v, want 8 and one problem\n%s", res.code, v.Problems, res)
	}
	p := v.Problems[0]
	if p.Kind != "damaged" || p.Package != pub.Package || p.Name != "acme/app" || p.Version != "1.0.0" || !strings.Contains(p.Detail, "does not match") {
		t.Fatalf("problem %+v, want a damaged block of %s", p, named)
	}
	out := filepath.Join(t.TempDir(), "damaged.out")
	a.fail(1, nil, "get", "acme/app@1.0.0", "-o", out) // its message is get's: "failed to fetch all nodes"

	v, res = verifyRepo(t, a, "--repair")
	if res.code != 0 || len(v.Problems) != 0 || len(v.Repaired) != 1 {
		t.Fatalf("--repair: exit %d, %+v\n%s", res.code, v, res)
	}
	if r := v.Repaired[0]; !r.OK || r.Target != pub.Package || r.Dropped != 1 || r.Name != "acme/app" {
		t.Fatalf("repaired %+v, want acme/app@1.0.0 (%s), one block dropped, fetched", r, pub.Package)
	}
	a.ok("repo", "verify")
	a.ok("get", "acme/app@1.0.0", "-o", out)
	if fileSHA256(t, out) != sum {
		t.Fatal("after the repair, get wrote other bytes than A published")
	}
	da.stop()
	res = a.ok("repo", "verify") // and without the daemon
	if !strings.Contains(res.stdout, "no problems") {
		t.Fatalf("repo verify after the repair:\n%s", res)
	}
	_ = db
}

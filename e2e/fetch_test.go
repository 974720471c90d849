package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// verdicts reduces a verify report to what must be the same on every node:
// the verdicts of the package, each metadata set and each signature.
func verdicts(t *testing.T, r *repo, ref string) string {
	t.Helper()
	var rep struct {
		CID      cidJSON `json:"cid"`
		Status   string  `json:"status"`
		Metadata []struct {
			CID        cidJSON `json:"cid"`
			Status     string  `json:"status"`
			Valid      int     `json:"validSignatures"`
			Signatures []struct {
				CID    cidJSON `json:"cid"`
				Signer string  `json:"signer"`
				Role   string  `json:"role"`
				Status string  `json:"status"`
			} `json:"signatures"`
		} `json:"metadata"`
	}
	r.json(&rep, "verify", ref)
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFetchAcrossDaemons: A publishes a 100 MB package with two metadata
// sets and three signatures; B fetches it by CID, then by name (from C's
// point of view, by name from B); the bytes are identical and the verdicts are
// the same everywhere; C gets it from B while A is down.
func TestFetchAcrossDaemons(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB fetch skipped in -short mode")
	}
	a, b, c := newRepo(t), newRepo(t), newRepo(t)
	in := t.TempDir()
	src := filepath.Join(in, "app.bin")
	sum := randomFile(t, src, 100<<20, 11)
	writeFile(t, filepath.Join(in, "build.toml"), []byte("[source]\ncommit = \"abc123\"\n"))
	writeFile(t, filepath.Join(in, "review.json"), []byte(`{"review": {"result": "approved"}}`))
	a.ok("key", "gen", "auditor")
	pub := a.publish("acme/app", "1.0.0", []string{src}, "--meta", filepath.Join(in, "build.toml"))
	a.ok("meta", "add", "acme/app@1.0.0", "--meta", filepath.Join(in, "review.json"), "--kind", "review", "--key", "auditor", "--role", "auditor")
	a.ok("sign", pub.Metadata.String(), "--key", "auditor", "--role", "auditor")
	a.ok("trust", "add", "acme/*", a.did("auditor"))
	for _, r := range []*repo{b, c} {
		r.ok("trust", "add", "acme/*", a.did("default"))
		r.ok("trust", "add", "acme/*", a.did("auditor"))
	}
	want := verdicts(t, a, "acme/app@1.0.0")
	if strings.Count(want, `"signer"`) != 3 {
		t.Fatalf("A's package should have three signatures: %s", want)
	}

	da, db := startDaemon(t, a), startDaemon(t, b)
	connect(t, db, da)

	var got struct {
		Kept   bool `json:"kept"`
		Result struct {
			Package cidJSON `json:"package"`
			Bytes   int64   `json:"bytes"`
		} `json:"result"`
	}
	b.json(&got, "fetch", pub.Package.String(), "--timeout", "2m")
	if !got.Kept || got.Result.Package != pub.Package || got.Result.Bytes < 100<<20 {
		t.Fatalf("fetch by CID: %+v", got)
	}
	// By name too (already here: the fetch refreshes its referrers).
	b.json(&got, "fetch", "acme/app@1.0.0")
	if !got.Kept {
		t.Fatalf("fetch by name: %+v", got)
	}
	out := filepath.Join(t.TempDir(), "app.out")
	b.ok("get", "acme/app@1.0.0", "-o", out) // through B's daemon
	if fileSHA256(t, out) != sum {
		t.Fatal("B's copy differs from what A published")
	}
	if v := verdicts(t, b, "acme/app@1.0.0"); v != want {
		t.Fatalf("verdicts differ:\nA %s\nB %s", want, v)
	}

	// A goes away; C, connected only to B, gets the package from B by name,
	// with `cairn get` fetching what is missing.
	da.stop()
	dc := startDaemon(t, c)
	connect(t, dc, db)
	out = filepath.Join(t.TempDir(), "app.c")
	res := c.ok("get", "acme/app@1.0.0", "-o", out)
	if !strings.Contains(res.stderr, "fetching it") {
		t.Errorf("get did not say it fetched: %s", res)
	}
	if fileSHA256(t, out) != sum {
		t.Fatal("C's copy differs")
	}
	if v := verdicts(t, c, "acme/app@1.0.0"); v != want {
		t.Fatalf("verdicts differ:\nA %s\nC %s", want, v)
	}
}

// TestFetchNobodyHasIt: a CID no one has fails within its timeout, with a
// message that says what was tried, and changes nothing.
func TestFetchNobodyHasItE2E(t *testing.T) {
	a, b := newRepo(t), newRepo(t)
	da, db := startDaemon(t, a), startDaemon(t, b)
	connect(t, db, da)
	before := b.snapshot()
	start := time.Now()
	res := b.fail(6, []string{"not complete within 3s", "connected peers"}, "fetch", "bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", "--timeout", "3s")
	if took := time.Since(start); took > 15*time.Second {
		t.Fatalf("a 3 s timeout took %s\n%s", took, res)
	}
	if after := b.snapshot(); after != before {
		t.Fatalf("repo changed:\nbefore %s\nafter  %s", before, after)
	}
}

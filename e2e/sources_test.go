package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestFetchFromManySources: three providers of a 48 MiB package, each
// capped at 8 MB/s of upload; B fetches it over the DAG stream from all of
// them at once (each that stays up streams part of it), and one provider is
// killed mid-fetch: the fetch completes from the other two, and the package
// verifies and reads back whole. (How
// fast several capped providers serve one fetch is a benchmark,
// scripts/bench-sources.sh, not a test.)
func TestFetchFromManySources(t *testing.T) {
	if testing.Short() {
		t.Skip("large fetch skipped in -short mode")
	}
	p1, p2, p3, b := newRepo(t), newRepo(t), newRepo(t), newRepo(t)
	dir := t.TempDir()
	src := randomAt(t, filepath.Join(dir, "big"), 48<<20, 77)
	pub := p1.publish("acme/big", "1.0.0", []string{src})
	bundle := filepath.Join(dir, "big.car")
	p1.ok("export", pub.Package.S, "-o", bundle)
	did := p1.did("default")
	for _, r := range []*repo{p2, p3, b} {
		r.ok("trust", "add", "acme/*", did)
	}
	for _, r := range []*repo{p2, p3} {
		r.ok("import", bundle)
	}
	var providers []*daemon
	for _, r := range []*repo{p1, p2, p3} {
		providers = append(providers, startDaemon(t, r, "--upload-limit", "8MB/s"))
	}
	db := startDaemon(t, b)
	for _, d := range providers {
		connect(t, db, d)
	}

	fetch := exec.Command(cairnBin, "fetch", pub.Package.S, "--transport", "stream", "--timeout", "120s")
	fetch.Env = append(os.Environ(), "CAIRN_REPO="+b.dir)
	var out bytes.Buffer
	fetch.Stdout, fetch.Stderr = &out, &out
	if err := fetch.Start(); err != nil {
		t.Fatal(err)
	}
	packs := filepath.Join(b.dir, "store", "packs")
	eventually(t, 60*time.Second, func() (bool, string) {
		return dirSize(packs) > 8<<20, "the fetch to have written 8 MiB"
	})
	providers[1].kill()
	start := time.Now()
	if err := fetch.Wait(); err != nil {
		t.Fatalf("fetch with a provider killed: %v\n%s", err, out.String())
	}
	t.Logf("the fetch finished %s after a provider was killed", time.Since(start).Round(time.Millisecond))
	b.ok("verify", pub.Package.S)
	getSame(t, b, pub.Package.S, src)
	for _, i := range []int{0, 2} {
		if n := metric(t, providers[i], `cairn_upload_bytes_total{service="stream"}`); n < 1<<20 {
			t.Errorf("provider %d streamed %.0f bytes: the fetch did not use every provider", i, n)
		}
	}
}

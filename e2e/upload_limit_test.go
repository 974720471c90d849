package e2e

import (
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// TestUploadLimit: a daemon started with --upload-limit 4MB/s serves a
// 12 MiB package no faster than that over the whole-DAG stream, over bitswap
// and from its gateway; /metrics counts what each served. Only lower bounds
// are checked (12 MiB less one burst at 4 MB/s is over 3 s; 2 s is asked),
// so a slow machine cannot fail it. The same without the limit is logged.
func TestUploadLimit(t *testing.T) {
	const size = 12 << 20
	p := newRepo(t)
	src := filepath.Join(t.TempDir(), "big.bin")
	randomFile(t, src, size, 13)
	pub := p.publish("acme/big", "1.0.0", []string{src})
	pDID := p.did("default")

	// fetchFrom fetches acme/big@1.0.0 from provider into a new repo over tr
	// and says how long it took.
	fetchFrom := func(t *testing.T, provider *daemon, tr string) time.Duration {
		c := newRepo(t)
		c.ok("trust", "add", "acme/*", pDID)
		dc := startDaemon(t, c)
		connect(t, dc, provider)
		start := time.Now()
		c.ok("fetch", "acme/big@1.0.0", "--transport", tr, "--timeout", "2m")
		took := time.Since(start)
		if got := fileSHA256(t, getTo(t, c, "acme/big@1.0.0")); got != pub.Layers[0].SHA256 {
			t.Fatalf("fetched content's sha256 %s, want %s", got, pub.Layers[0].SHA256)
		}
		return took
	}
	// carFrom downloads the content's CAR from provider's gateway.
	carFrom := func(t *testing.T, provider *daemon) time.Duration {
		start := time.Now()
		resp, err := http.Get("http://" + provider.info().Gateway + "/ipfs/" + pub.Layers[0].Content.S + "?format=car")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		took := time.Since(start)
		if resp.StatusCode != http.StatusOK || err != nil || n < size {
			t.Fatalf("gateway CAR: %s, %d bytes, %v; want 200 and at least %d bytes", resp.Status, n, err, size)
		}
		return took
	}
	const atLeast = 2 * time.Second

	limited := startDaemon(t, p, "--upload-limit", "4MB/s")
	if got := metric(t, limited, "cairn_upload_limit_bytes_per_second"); got != 4e6 {
		t.Fatalf("cairn_upload_limit_bytes_per_second %v, want 4e6", got)
	}
	for _, svc := range []struct{ name, transport string }{{"stream", "stream"}, {"bitswap", "bitswap"}, {"gateway", ""}} {
		t.Run(svc.name, func(t *testing.T) {
			served := `cairn_upload_bytes_total{service="` + svc.name + `"}`
			before := metric(t, limited, served)
			var took time.Duration
			if svc.transport != "" {
				took = fetchFrom(t, limited, svc.transport)
			} else {
				took = carFrom(t, limited)
			}
			sent := metric(t, limited, served) - before
			t.Logf("%s at 4MB/s: 12 MiB in %s (%.1f MB/s), %d bytes served", svc.name, took.Round(time.Millisecond), size/took.Seconds()/1e6, int64(sent))
			if took < atLeast {
				t.Errorf("%s served 12 MiB in %s under a 4MB/s limit, expected at least %s", svc.name, took, atLeast)
			}
			if sent < size {
				t.Errorf("%s: /metrics counts %d bytes served, want at least %d", svc.name, int64(sent), size)
			}
		})
	}
	if t.Failed() {
		return
	}
	limited.stop()

	unlimited := startDaemon(t, p)
	if got := metric(t, unlimited, "cairn_upload_limit_bytes_per_second"); got != 0 {
		t.Fatalf("cairn_upload_limit_bytes_per_second %v without a limit, want 0", got)
	}
	for _, tr := range []string{"stream", "bitswap"} {
		t.Logf("%s without a limit: 12 MiB in %s", tr, fetchFrom(t, unlimited, tr).Round(time.Millisecond))
	}
	t.Logf("gateway without a limit: 12 MiB in %s", carFrom(t, unlimited).Round(time.Millisecond))
}

// getTo writes ref's content out of r to a new file and returns its path.
func getTo(t *testing.T, r *repo, ref string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.bin")
	r.ok("get", ref, "-o", out)
	return out
}

package node_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/node"
)

func TestMetrics(t *testing.T) {
	r := newRepo(t)
	src := filepath.Join(t.TempDir(), "a.txt")
	writeFile(t, src, []byte("hello"))
	if _, err := r.Publish(context.Background(), node.PublishRequest{Paths: []string{src}, Name: mustName(t, "acme/a"), Version: "1.0.0"}); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, r)
	if _, err := r.Verify(context.Background(), mustResolve(t, r, "acme/a@1.0.0"), nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]*regexp.Regexp{
		"blocks stored":   regexp.MustCompile(`(?m)^cairn_blocks_stored 5$`), // content, package, metadata, signature, log entry
		"peers":           regexp.MustCompile(`(?m)^cairn_peers 0$`),
		"gossip":          regexp.MustCompile(`(?m)^cairn_gossip_announcements_total\{result="accepted"\} 0$`),
		"verifications":   regexp.MustCompile(`(?m)^cairn_verifications_total\{status="valid"\} 1$`),
		"bitswap counts":  regexp.MustCompile(`(?m)^cairn_bitswap_blocks_received_total 0$`),
		"no upload limit": regexp.MustCompile(`(?m)^cairn_upload_limit_bytes_per_second 0$`),
		"nothing served":  regexp.MustCompile(`(?m)^cairn_upload_bytes_total\{service="stream"\} 0$`),
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + d.Info().API + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		missing := ""
		for name, re := range want {
			if !re.Match(body) {
				missing = name
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("metric %s missing or wrong:\n%s", missing, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustResolve(t testing.TB, r *node.Repo, s string) cid.Cid {
	t.Helper()
	c, err := r.Resolve(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestUploadLimitMetrics: the daemon's --upload-limit is on /metrics, and
// what its gateway serves is counted there.
func TestUploadLimitMetrics(t *testing.T) {
	r := newRepo(t)
	src := filepath.Join(t.TempDir(), "a.txt")
	writeFile(t, src, []byte("hello"))
	res, err := r.Publish(context.Background(), node.PublishRequest{Paths: []string{src}, Name: mustName(t, "acme/a"), Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	gw, limit := "127.0.0.1:0", "4MB/s"
	d, err := node.StartDaemon(context.Background(), r, node.DaemonOptions{
		Listen: []string{"/ip4/127.0.0.1/tcp/0"}, API: "127.0.0.1:0", Gateway: &gw, UploadLimit: &limit,
	})
	if err != nil {
		t.Fatalf("StartDaemon: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	resp, err := http.Get("http://" + d.Info().Gateway + "/ipfs/" + res.Layers[0].Content.String() + "?format=raw")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "hello" {
		t.Fatalf("gateway: %s %q", resp.Status, body)
	}
	resp, err = http.Get("http://" + d.Info().API + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^cairn_upload_limit_bytes_per_second 4e\+06$`),
		regexp.MustCompile(`(?m)^cairn_upload_bytes_total\{service="gateway"\} 5$`),
		regexp.MustCompile(`(?m)^cairn_upload_bytes_total\{service="bitswap"\} 0$`),
	} {
		if !re.Match(body) {
			t.Errorf("metrics lack %s:\n%s", re, body)
		}
	}
}

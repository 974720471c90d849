package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestGatewayOrigin publishes an HTML page and fetches its content CID from
// the daemon's gateway: addressed to a foreign Host (a DNS-rebound domain) it
// gets 403 and none of the page; addressed as usual it gets the page, with
// the headers that keep its script from running as the gateway's origin.
func TestGatewayOrigin(t *testing.T) {
	const page = "<!doctype html><script>alert(document.domain)</script>"
	r := newRepo(t)
	src := filepath.Join(t.TempDir(), "index.html")
	writeFile(t, src, []byte(page))
	pub := r.publish("acme/page", "1.0.0", []string{src})

	d := startDaemon(t, r)
	gw := d.info().Gateway
	if gw == "" {
		t.Fatalf("daemon.json names no gateway: %+v", d.info())
	}
	url := "http://" + gw + "/ipfs/" + pub.Layers[0].Content.S

	tests := []struct {
		host   string // "" sends the gateway's own address
		status int
	}{
		{"evil.example", http.StatusForbidden},
		{"evil.example:" + gw[strings.LastIndexByte(gw, ':')+1:], http.StatusForbidden},
		{"", http.StatusOK},
		{"localhost", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run("Host="+tt.host, func(t *testing.T) {
			resp, body := gatewayHostGet(t, url, tt.host)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, expected %d: %.300s", resp.StatusCode, tt.status, body)
			}
			if got := resp.Header.Get("Content-Security-Policy"); got != "sandbox" {
				t.Errorf("Content-Security-Policy %q, expected sandbox", got)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, expected nosniff", got)
			}
			if tt.status == http.StatusOK {
				if string(body) != page {
					t.Errorf("body %.300q, expected the published page", body)
				}
				return
			}
			if bytes.Contains(body, []byte("<script")) {
				t.Errorf("a refused request got the page's bytes: %.300q", body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q, expected text/plain", ct)
			}
		})
	}
}

// gatewayHostGet sends a GET of url with the Host header host (the URL's
// own if empty) and returns the answer and its body.
func gatewayHostGet(t *testing.T, url, host string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), gatewayTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s (Host %q): %v", url, host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s (Host %q): read body: %v", url, host, err)
	}
	return resp, body
}

package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/node/internal/gateway"
	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/go-cid"
	"github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
)

// page is the HTML the origin tests serve: what a browser would run.
const page = "<script>alert(1)</script>"

// allowedName is the host name the origin tests configure.
const allowedName = "pkgs.example.org"

// htmlGateway returns a gateway handler, configured to allow allowedName,
// over a blockstore holding one UnixFS directory with page as index.html,
// and the directory's CID.
func htmlGateway(t *testing.T) (http.Handler, cid.Cid) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "site")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	bs := blockstore.NewBlockstore(dssync.MutexWrap(datastore.NewMapDatastore()))
	res, err := content.ImportPath(context.Background(), merkledag.NewDAGService(blockservice.New(bs, nil)), dir)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	h, err := gateway.NewHandler(bs, gateway.Config{AllowedHosts: []string{allowedName}})
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	return h, res.Root
}

// serve sends a GET of target with the given Host header straight to h (an
// httptest client cannot send an empty Host) and returns the recorded answer.
func serve(t *testing.T, h http.Handler, host, target string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Host = host
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestGatewayHost(t *testing.T) {
	h, root := htmlGateway(t)
	target := "/ipfs/" + root.String() + "/index.html"
	tests := []struct {
		host string
		want int
	}{
		{"evil.example", http.StatusForbidden},
		{"evil.example:4503", http.StatusForbidden},
		{"EVIL.EXAMPLE", http.StatusForbidden},
		{"localhost.evil.example", http.StatusForbidden},
		{"127.0.0.1.evil.example", http.StatusForbidden},
		{"pkgs.example.org.evil.example", http.StatusForbidden},
		{"evil.pkgs.example.org", http.StatusForbidden},
		{"evillocalhost", http.StatusForbidden},
		{".localhost", http.StatusForbidden},
		{"localhost:http", http.StatusForbidden},
		{"localhost:65536", http.StatusForbidden},
		{"::1", http.StatusForbidden},            // IPv6 only in brackets
		{"[127.0.0.1]", http.StatusForbidden},    // IPv4 never in brackets
		{"[evil.example]", http.StatusForbidden}, // nor a name
		{"", http.StatusForbidden},

		{"localhost", http.StatusOK},
		{"LocalHost:4503", http.StatusOK},
		{"localhost.", http.StatusOK},
		{"sub.localhost", http.StatusOK},
		{"a.b.localhost:8080", http.StatusOK},
		{"127.0.0.1", http.StatusOK},
		{"127.0.0.1:4503", http.StatusOK},
		{"192.0.2.7:80", http.StatusOK}, // any IP literal, not only loopback
		{"[::1]", http.StatusOK},
		{"[::1]:4503", http.StatusOK},
		{"[2001:db8::1]:443", http.StatusOK},
		{allowedName, http.StatusOK},
		{allowedName + ":8443", http.StatusOK},
		{"PKGS.Example.ORG.:8443", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run("Host="+tt.host, func(t *testing.T) {
			resp, body := serve(t, h, tt.host, target)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, expected %d: %.200s", resp.StatusCode, tt.want, body)
			}
			if tt.want == http.StatusOK {
				if string(body) != page {
					t.Errorf("body %.200q, expected the page", body)
				}
				return
			}
			if bytes.Contains(body, []byte(page)) {
				t.Errorf("a refused request got the page: %.200q", body)
			}
			if !strings.Contains(string(body), "Host") {
				t.Errorf("body %.200q does not say that the Host is refused", body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q, expected text/plain", ct)
			}
		})
	}
}

// TestGatewaySandbox checks the headers on every kind of response, over a
// real connection, to show that boxo neither drops nor changes them.
func TestGatewaySandbox(t *testing.T) {
	h, root := htmlGateway(t)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base := srv.URL + "/ipfs/" + root.String()
	tests := []struct {
		name, method, url string
		status            int
		contentType       string // prefix; "" for any
	}{
		{"html file", http.MethodGet, base + "/index.html", http.StatusOK, "text/html"},
		{"directory index", http.MethodGet, base + "/", http.StatusOK, "text/html"},
		{"raw", http.MethodGet, base + "/index.html?format=raw", http.StatusOK, "application/vnd.ipld.raw"},
		{"car", http.MethodGet, base + "?format=car", http.StatusOK, "application/vnd.ipld.car"},
		{"head", http.MethodHead, base + "/index.html", http.StatusOK, "text/html"},
		{"no such path", http.MethodGet, base + "/missing.html", http.StatusNotFound, ""},
		{"post", http.MethodPost, base + "/index.html", http.StatusMethodNotAllowed, ""},
		{"other route", http.MethodGet, srv.URL + "/", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, tt.method, tt.url)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, expected %d: %.200s", resp.StatusCode, tt.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type %q, expected %s", ct, tt.contentType)
			}
			for key, want := range map[string]string{
				"Content-Security-Policy": "sandbox",
				"X-Content-Type-Options":  "nosniff",
			} {
				if got := resp.Header.Values(key); len(got) != 1 || got[0] != want {
					t.Errorf("%s: %q, expected exactly [%s]", key, got, want)
				}
			}
		})
	}
	t.Run("refused host", func(t *testing.T) {
		resp, _ := serve(t, h, "evil.example", "/ipfs/"+root.String()+"/index.html")
		if got := resp.Header.Get("Content-Security-Policy"); resp.StatusCode != http.StatusForbidden || got != "sandbox" {
			t.Errorf("status %d, Content-Security-Policy %q: expected 403 with sandbox", resp.StatusCode, got)
		}
	})
}

func TestGatewayConfig(t *testing.T) {
	bs := blockstore.NewBlockstore(dssync.MutexWrap(datastore.NewMapDatastore()))
	tests := []struct {
		hosts []string
		valid bool
	}{
		{nil, true},
		{[]string{"pkgs.example.org"}, true},
		{[]string{"PKGS.example.org.", "mirror_1.example", "xn--bcher-kva.example"}, true},
		{[]string{""}, false},
		{[]string{"."}, false},
		{[]string{"pkgs.example.org:443"}, false},
		{[]string{"*.example.org"}, false},
		{[]string{"http://pkgs.example.org"}, false},
		{[]string{"pkgs.example.org", "two names.example"}, false},
		{[]string{"[::1]"}, false},
		{[]string{"bücher.example"}, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.hosts, ","), func(t *testing.T) {
			_, err := gateway.NewHandler(bs, gateway.Config{AllowedHosts: tt.hosts})
			switch {
			case tt.valid && err != nil:
				t.Errorf("NewHandler: %v, expected no error", err)
			case !tt.valid && !errors.Is(err, gateway.ErrInvalidConfig):
				t.Errorf("NewHandler: %v, expected ErrInvalidConfig", err)
			}
		})
	}
}

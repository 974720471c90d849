package webui_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/node/internal/webui"
)

// TestRequestChecks: only GET and HEAD, only to a loopback Host, and not
// from another site's page; a refused request learns nothing of the node.
func TestRequestChecks(t *testing.T) {
	f, _ := repoFake(t)
	h := newUI(t, f)
	for _, tc := range []struct {
		name    string
		method  string
		host    string
		headers []string
		status  int
	}{
		{"plain GET", "GET", "", nil, 200},
		{"HEAD", "HEAD", "", nil, 200},
		{"typed into the address bar", "GET", "", []string{"Sec-Fetch-Site", "none", "Sec-Fetch-Mode", "navigate"}, 200},
		{"a link on its own pages", "GET", "", []string{"Sec-Fetch-Site", "same-origin"}, 200},
		{"localhost", "GET", "localhost:4502", nil, 200},
		{"IPv6 loopback", "GET", "[::1]:4502", nil, 200},
		{"same Origin", "GET", "", []string{"Origin", "http://127.0.0.1:4502"}, 200},
		{"POST", "POST", "", nil, 405},
		{"PUT", "PUT", "", nil, 405},
		{"DELETE", "DELETE", "", nil, 405},
		{"OPTIONS preflight", "OPTIONS", "", []string{"Origin", "http://evil.example", "Access-Control-Request-Method", "GET"}, 405},
		{"DNS rebinding", "GET", "evil.example:4502", nil, 403},
		{"rebinding to an IP", "GET", "192.0.2.1:4502", nil, 403},
		{"empty Host", "GET", "-", nil, 403},
		{"cross-site", "GET", "", []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate"}, 403},
		{"same-site (the gateway's origin)", "GET", "", []string{"Sec-Fetch-Site", "same-site"}, 403},
		{"another Origin", "GET", "", []string{"Origin", "http://127.0.0.1:4503"}, 403},
		{"null Origin", "GET", "", []string{"Origin", "null"}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/ui/", nil)
			r.Host = "127.0.0.1:4502"
			switch tc.host {
			case "":
			case "-":
				r.Host = ""
			default:
				r.Host = tc.host
			}
			for i := 0; i+1 < len(tc.headers); i += 2 {
				r.Header.Set(tc.headers[i], tc.headers[i+1])
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			res, body := w.Result(), w.Body.String()
			if res.StatusCode != tc.status {
				t.Fatalf("%s %s (Host %q) = %d, want %d\n%s", tc.method, r.URL, r.Host, res.StatusCode, tc.status, body)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none';") || strings.Contains(csp, "script") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			for _, hd := range []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Cache-Control"} {
				if res.Header.Get(hd) == "" {
					t.Errorf("no %s header", hd)
				}
			}
			for k := range res.Header {
				if strings.HasPrefix(k, "Access-Control-") {
					t.Errorf("CORS header %s: %s", k, res.Header.Get(k))
				}
			}
			if tc.status == 405 && res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("405 with Allow %q", res.Header.Get("Allow"))
			}
			if tc.status != 200 && strings.Contains(body, "12D3KooWfakeSelf") {
				t.Errorf("a refused request is told the node's peer ID:\n%s", body)
			}
			if tc.method == "HEAD" && body != "" {
				t.Errorf("HEAD answered a body")
			}
		})
	}
}

// TestErrorStatuses: what the query names decides the status; messages
// from the source are shown escaped.
func TestErrorStatuses(t *testing.T) {
	f, _ := repoFake(t)
	h := newUI(t, f)
	for _, tc := range []struct {
		path   string
		status int
		msg    string
	}{
		{"/ui/package", 400, "bad request: ?cid="},
		{"/ui/package?cid=nope", 400, "bad request: ?cid="},
		{"/ui/package?cid=" + dagtestCID(t, "unknown"), 404, "not found: package"},
		{"/ui/versions?name=Not%20A%20Name", 400, "bad request: ?name="},
		{"/ui/versions?name=acme/none", 404, "no version of acme/none"},
		{"/ui/log?key=default", 400, "bad request: ?key="},
		{"/ui/log?key=" + keyB, 404, "no log of"},
		{"/ui/nothing", 404, "no such page"},
		{"/api/v1/id", 404, "no such page"},
	} {
		res, body := get(t, h, http.MethodGet, tc.path)
		if res.StatusCode != tc.status || !strings.Contains(body, tc.msg) {
			t.Errorf("GET %s = %d, want %d with %q\n%s", tc.path, res.StatusCode, tc.status, tc.msg, body)
		}
	}
	for _, tc := range []struct {
		err    error
		status int
	}{
		{errors.New("disk on fire <b>"), 500},
		{fmt.Errorf("%w: slow peer", errkind.New("timeout", errkind.Timeout)), 504},
		{fmt.Errorf("%w: disputed", errkind.New("conflict", errkind.Untrusted)), 409},
	} {
		f.err = tc.err
		res, body := get(t, h, http.MethodGet, "/ui/")
		if res.StatusCode != tc.status || !strings.Contains(body, "<p class=\"error\">"+strings.ReplaceAll(tc.err.Error(), "<b>", "&lt;b&gt;")) {
			t.Errorf("source error %v: %d, want %d\n%s", tc.err, res.StatusCode, tc.status, body)
		}
	}
}

// TestRedirectAndMount: / and /ui go to /ui/; Mount sends the view's paths
// to it and every other to the API unchanged.
func TestRedirectAndMount(t *testing.T) {
	f, _ := repoFake(t)
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "api "+r.URL.Path) })
	h := webui.Mount(newUI(t, f), api)
	for _, p := range []string{"/", "/ui"} {
		res, _ := get(t, h, http.MethodGet, p)
		if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/ui/" {
			t.Errorf("GET %s = %d to %q, want 302 to /ui/", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// The redirect passes the checks first.
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "evil.example"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Errorf("GET / with Host evil.example = %d, want 403", w.Code)
	}
	for path, want := range map[string]string{"/api/v1/id": "api /api/v1/id", "/metrics": "api /metrics", "/uix": "api /uix", "/ui/": "Packages"} {
		_, body := get(t, h, http.MethodGet, path)
		if !strings.Contains(body, want) {
			t.Errorf("GET %s answered %.80q, want %q", path, body, want)
		}
	}
	res, css := get(t, h, http.MethodGet, "/ui/style.css")
	if res.Header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(css, "svg .v-valid rect") {
		t.Errorf("style.css: %s %.60q", res.Header.Get("Content-Type"), css)
	}
}

func TestNewNeedsSource(t *testing.T) {
	if _, err := webui.New(webui.Config{}); !errors.Is(err, webui.ErrInvalidConfig) {
		t.Errorf("New without a Source: %v, want ErrInvalidConfig", err)
	}
}

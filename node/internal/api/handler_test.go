package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/cairnpkg/cairn/node/internal/api"
)

const connectBody = `{"addr":"/ip4/192.0.2.7/tcp/4001/p2p/12D3KooWpeer"}`

func TestAccess(t *testing.T) {
	bearer := "Bearer " + testToken
	tests := []struct {
		name   string
		method string
		path   string
		host   string            // default 127.0.0.1:5001
		header map[string]string // Content-Type defaults to application/json with a body
		body   string

		status  int
		code    string // of the error body
		message string // in the error body
	}{
		// Reading needs no token; a token, if sent, must be right.
		{name: "GET id without token", method: "GET", path: "/api/v1/id", status: 200},
		{name: "GET peers without token", method: "GET", path: "/api/v1/peers", status: 200},
		{name: "HEAD id without token", method: "HEAD", path: "/api/v1/id", status: 200},
		{name: "GET metrics without token", method: "GET", path: "/metrics", status: 200},
		{name: "GET id with token", method: "GET", path: "/api/v1/id", header: map[string]string{"Authorization": bearer}, status: 200},
		{name: "GET id with wrong token", method: "GET", path: "/api/v1/id", header: map[string]string{"Authorization": "Bearer nope"}, status: 401, code: "unauthorized"},

		// Changing state needs the token.
		{name: "POST connect without token", method: "POST", path: "/api/v1/connect", body: connectBody, status: 401, code: "unauthorized", message: "needs the API token"},
		{name: "POST connect with wrong token", method: "POST", path: "/api/v1/connect", body: connectBody,
			header: map[string]string{"Authorization": "Bearer " + strings.Repeat("0", 64)}, status: 401, code: "unauthorized", message: "invalid API token"},
		{name: "POST connect with token prefix", method: "POST", path: "/api/v1/connect", body: connectBody,
			header: map[string]string{"Authorization": "Bearer " + testToken[:32]}, status: 401, code: "unauthorized"},
		{name: "POST connect with token as Basic", method: "POST", path: "/api/v1/connect", body: connectBody,
			header: map[string]string{"Authorization": "Basic " + testToken}, status: 401, code: "unauthorized"},
		{name: "POST connect with empty Authorization", method: "POST", path: "/api/v1/connect", body: connectBody,
			header: map[string]string{"Authorization": ""}, status: 401, code: "unauthorized"},
		{name: "POST connect with token", method: "POST", path: "/api/v1/connect", body: connectBody,
			header: map[string]string{"Authorization": bearer}, status: 200},
		{name: "POST connect with lowercase bearer", method: "POST", path: "/api/v1/connect", body: connectBody,
			header: map[string]string{"Authorization": "bearer " + testToken}, status: 200},
		{name: "DELETE unknown route without token", method: "DELETE", path: "/api/v1/nope", status: 401, code: "unauthorized"},

		// Browsers are refused, whatever they carry.
		{name: "GET with Origin", method: "GET", path: "/api/v1/id", header: map[string]string{"Origin": "https://evil.example"}, status: 403, code: "forbidden", message: "browser requests are refused"},
		{name: "GET with Origin null", method: "GET", path: "/api/v1/id", header: map[string]string{"Origin": "null"}, status: 403, code: "forbidden"},
		{name: "GET with empty Origin", method: "GET", path: "/api/v1/id", header: map[string]string{"Origin": ""}, status: 403, code: "forbidden"},
		{name: "GET with localhost Origin", method: "GET", path: "/api/v1/id", header: map[string]string{"Origin": "http://127.0.0.1:5001"}, status: 403, code: "forbidden"},
		{name: "POST with Origin and token", method: "POST", path: "/api/v1/connect", body: connectBody,
			header: map[string]string{"Origin": "https://evil.example", "Authorization": bearer}, status: 403, code: "forbidden", message: "browser requests are refused"},
		{name: "GET cross-site", method: "GET", path: "/api/v1/id", header: map[string]string{"Sec-Fetch-Site": "cross-site"}, status: 403, code: "forbidden"},
		{name: "GET same-site", method: "GET", path: "/api/v1/id", header: map[string]string{"Sec-Fetch-Site": "same-site"}, status: 403, code: "forbidden"},
		{name: "GET no-cors", method: "GET", path: "/metrics", header: map[string]string{"Sec-Fetch-Mode": "no-cors"}, status: 403, code: "forbidden"},
		{name: "GET cors", method: "GET", path: "/api/v1/peers", header: map[string]string{"Sec-Fetch-Mode": "cors"}, status: 403, code: "forbidden"},
		{name: "OPTIONS preflight", method: "OPTIONS", path: "/api/v1/connect",
			header: map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}, status: 403, code: "forbidden"},
		{name: "OPTIONS bare", method: "OPTIONS", path: "/api/v1/id", status: 403, code: "forbidden"},

		// DNS rebinding: only loopback Hosts.
		{name: "Host localhost", method: "GET", path: "/api/v1/id", host: "localhost", status: 200},
		{name: "Host LOCALHOST with port", method: "GET", path: "/api/v1/id", host: "LOCALHOST:5001", status: 200},
		{name: "Host 127.0.0.1", method: "GET", path: "/api/v1/id", host: "127.0.0.1", status: 200},
		{name: "Host 127.1.2.3 with port", method: "GET", path: "/api/v1/id", host: "127.1.2.3:80", status: 200},
		{name: "Host [::1]", method: "GET", path: "/api/v1/id", host: "[::1]", status: 200},
		{name: "Host [::1] with port", method: "GET", path: "/api/v1/id", host: "[::1]:5001", status: 200},
		{name: "Host evil.example", method: "GET", path: "/api/v1/id", host: "evil.example", status: 403, code: "forbidden", message: `"evil.example"`},
		{name: "Host evil.example with port", method: "GET", path: "/api/v1/id", host: "evil.example:5001", status: 403, code: "forbidden"},
		{name: "Host evil.example on POST with token", method: "POST", path: "/api/v1/connect", body: connectBody, host: "evil.example",
			header: map[string]string{"Authorization": bearer}, status: 403, code: "forbidden"},
		{name: "Host localhost.evil.example", method: "GET", path: "/api/v1/id", host: "localhost.evil.example", status: 403, code: "forbidden"},
		{name: "Host 127.0.0.1.nip.io", method: "GET", path: "/api/v1/id", host: "127.0.0.1.nip.io:5001", status: 403, code: "forbidden"},
		{name: "Host 0.0.0.0", method: "GET", path: "/api/v1/id", host: "0.0.0.0:5001", status: 403, code: "forbidden"},
		{name: "Host 192.168.1.2", method: "GET", path: "/api/v1/id", host: "192.168.1.2:5001", status: 403, code: "forbidden"},
		{name: "Host IPv4-mapped loopback", method: "GET", path: "/api/v1/id", host: "[::ffff:127.0.0.1]:5001", status: 200},
		{name: "Host IPv4-mapped other", method: "GET", path: "/api/v1/id", host: "[::ffff:192.0.2.1]:5001", status: 403, code: "forbidden"},
		{name: "Host ::1 without brackets", method: "GET", path: "/api/v1/id", host: "::1", status: 200},
		{name: "Host [::1] with zone", method: "GET", path: "/api/v1/id", host: "[::1%25eth0]:5001", status: 403, code: "forbidden"},
		{name: "Host localhost with bad port", method: "GET", path: "/api/v1/id", host: "localhost:http", status: 403, code: "forbidden"},

		// Bodies.
		{name: "POST connect text/plain", method: "POST", path: "/api/v1/connect", body: connectBody,
			header: map[string]string{"Authorization": bearer, "Content-Type": "text/plain"}, status: 415, code: "unsupported-media-type"},
		{name: "POST connect json with charset", method: "POST", path: "/api/v1/connect", body: connectBody,
			header: map[string]string{"Authorization": bearer, "Content-Type": "application/json; charset=utf-8"}, status: 200},
		{name: "POST connect not JSON", method: "POST", path: "/api/v1/connect", body: `addr=x`,
			header: map[string]string{"Authorization": bearer}, status: 400, code: "bad-request", message: "invalid JSON body"},
		{name: "POST connect two values", method: "POST", path: "/api/v1/connect", body: connectBody + connectBody,
			header: map[string]string{"Authorization": bearer}, status: 400, code: "bad-request"},
		{name: "POST connect unknown field", method: "POST", path: "/api/v1/connect", body: `{"addr":"/p2p/x","force":true}`,
			header: map[string]string{"Authorization": bearer}, status: 400, code: "bad-request"},
		{name: "POST connect without addr", method: "POST", path: "/api/v1/connect", body: `{}`,
			header: map[string]string{"Authorization": bearer}, status: 400, code: "bad-request", message: `"addr" is required`},
		{name: "POST connect body over 1 MiB", method: "POST", path: "/api/v1/connect",
			body: `{"addr":"` + strings.Repeat("a", 2<<20) + `"}`, header: map[string]string{"Authorization": bearer}, status: 413, code: "too-large"},

		// Routing.
		{name: "unknown route", method: "GET", path: "/api/v1/nope", status: 404, code: "not-found", message: "/api/v1/nope"},
		{name: "unversioned route", method: "GET", path: "/api/id", status: 404, code: "not-found"},
		{name: "trailing slash", method: "GET", path: "/api/v1/id/", status: 404, code: "not-found"},
		{name: "root", method: "GET", path: "/", status: 404, code: "not-found"},
		{name: "GET connect", method: "GET", path: "/api/v1/connect", status: 405, code: "method-not-allowed"},
		{name: "POST id with token", method: "POST", path: "/api/v1/id", header: map[string]string{"Authorization": bearer}, status: 405, code: "method-not-allowed"},
		{name: "PUT metrics with token", method: "PUT", path: "/metrics", header: map[string]string{"Authorization": bearer}, status: 405, code: "method-not-allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &fakeBackend{}
			h := newHandler(t, b)
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			req.Host = "127.0.0.1:5001"
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}

			rec := serve(t, h, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if rec.Code == http.StatusOK {
				checkAnswer(t, tt.method, tt.path, rec)
				if tt.path == "/api/v1/connect" {
					want := []string{"/ip4/192.0.2.7/tcp/4001/p2p/12D3KooWpeer"}
					if got := b.connected(); !slices.Equal(got, want) {
						t.Errorf("backend connected to %q, want %q", got, want)
					}
				}
				return
			}
			if got := b.connected(); len(got) != 0 {
				t.Errorf("refused request reached the backend: connected to %q", got)
			}
			if tt.method == http.MethodHead {
				return
			}
			body := decodeError(t, rec)
			if body.Code != tt.code {
				t.Errorf("code %q, want %q (error %q)", body.Code, tt.code, body.Error)
			}
			if !strings.Contains(body.Error, tt.message) {
				t.Errorf("error %q does not contain %q", body.Error, tt.message)
			}
			switch rec.Code {
			case http.StatusUnauthorized:
				if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate %q, want Bearer", got)
				}
			case http.StatusMethodNotAllowed:
				if rec.Header().Get("Allow") == "" {
					t.Error("405 without an Allow header")
				}
			}
		})
	}
}

// checkAnswer checks the body of a 200 answer to method path.
func checkAnswer(t *testing.T, method, path string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if method == http.MethodHead {
		return
	}
	switch path {
	case "/metrics":
		if rec.Body.String() != metricsText {
			t.Errorf("metrics %q, want %q", rec.Body, metricsText)
		}
	case "/api/v1/id":
		var got api.IDInfo
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.PeerID != fakeID.PeerID {
			t.Errorf("id answer %s (err %v), want peer %s", rec.Body, err, fakeID.PeerID)
		}
	case "/api/v1/peers":
		var got struct{ Peers []api.PeerInfo }
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || !slices.Equal(got.Peers, fakePeers) {
			t.Errorf("peers answer %s (err %v), want %v", rec.Body, err, fakePeers)
		}
	case "/api/v1/connect":
		var got api.PeerInfo
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.PeerID != "12D3KooWpeer" {
			t.Errorf("connect answer %s (err %v), want peer 12D3KooWpeer", rec.Body, err)
		}
	default:
		t.Fatalf("no check for %s", path)
	}
}

func TestAllowHeader(t *testing.T) {
	tests := []struct{ method, path, allow string }{
		{"GET", "/api/v1/connect", "POST"},
		{"POST", "/api/v1/id", "GET, HEAD"},
		{"DELETE", "/api/v1/peers", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			req.Host = "localhost:5001"
			req.Header.Set("Authorization", "Bearer "+testToken)
			rec := serve(t, newHandler(t, &fakeBackend{}), req)
			if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != tt.allow {
				t.Errorf("status %d, Allow %q; want 405, Allow %q", rec.Code, rec.Header().Get("Allow"), tt.allow)
			}
		})
	}
}

func TestBackendErrors(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"bad request", fmt.Errorf("%w: %q has no /p2p/ component", api.ErrBadRequest, "/ip4/1.2.3.4"), 400, "bad-request"},
		{"not found", fmt.Errorf("%w: no such peer", api.ErrNotFound), 404, "not-found"},
		{"unavailable", fmt.Errorf("%w: the host is not started", api.ErrUnavailable), 503, "unavailable"},
		{"timeout", fmt.Errorf("dial peer: %w", api.ErrTimeout), 504, "timeout"},
		{"deadline", fmt.Errorf("dial peer: %w", context.DeadlineExceeded), 504, "timeout"},
		{"generic", errors.New("the datastore is on fire"), 500, "internal"},
		{"canceled", fmt.Errorf("dial peer: %w", context.Canceled), 500, "internal"},
		// Backend errors cannot claim the statuses of the checks.
		{"unauthorized", api.ErrUnauthorized, 401, "unauthorized"},
	}
	routes := []struct{ method, path, body string }{
		{"GET", "/api/v1/id", ""},
		{"GET", "/api/v1/peers", ""},
		{"POST", "/api/v1/connect", connectBody},
	}
	for _, tt := range tests {
		for _, rt := range routes {
			t.Run(tt.name+" "+rt.path, func(t *testing.T) {
				h := newHandler(t, &fakeBackend{err: tt.err})
				req := httptest.NewRequest(rt.method, rt.path, strings.NewReader(rt.body))
				req.Host = "127.0.0.1:5001"
				req.Header.Set("Authorization", "Bearer "+testToken)
				req.Header.Set("Content-Type", "application/json")
				rec := serve(t, h, req)
				body := decodeError(t, rec)
				if rec.Code != tt.status || body.Code != tt.code {
					t.Fatalf("status %d code %q, want %d %q", rec.Code, body.Code, tt.status, tt.code)
				}
				if body.Error != tt.err.Error() {
					t.Errorf("error %q, want the backend's %q", body.Error, tt.err)
				}
			})
		}
	}
}

func TestNewHandlerConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  api.Config
		ok   bool
	}{
		{"valid", api.Config{Token: testToken, Backend: &fakeBackend{}}, true},
		{"32 characters", api.Config{Token: testToken[:32], Backend: &fakeBackend{}}, true},
		{"31 characters", api.Config{Token: testToken[:31], Backend: &fakeBackend{}}, false},
		{"empty token", api.Config{Backend: &fakeBackend{}}, false},
		{"token with space", api.Config{Token: testToken[:20] + " " + testToken[:20], Backend: &fakeBackend{}}, false},
		{"token with newline", api.Config{Token: testToken + "\n", Backend: &fakeBackend{}}, false},
		{"no backend", api.Config{Token: testToken}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := api.NewHandler(tt.cfg)
			if tt.ok {
				if err != nil || h == nil {
					t.Fatalf("NewHandler: %v", err)
				}
				return
			}
			if !errors.Is(err, api.ErrInvalidConfig) || h != nil {
				t.Fatalf("NewHandler = %v, %v; want nil and ErrInvalidConfig", h, err)
			}
		})
	}
}

func TestNoMetrics(t *testing.T) {
	h, err := api.NewHandler(api.Config{Token: testToken, Backend: &fakeBackend{}})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Host = "localhost"
	if rec := serve(t, h, req); rec.Code != http.StatusNotFound {
		t.Fatalf("GET /metrics without Metrics: status %d, want 404", rec.Code)
	}
}

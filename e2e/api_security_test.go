package e2e

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// apiCase is one request to the API and the answer it must get.
type apiCase struct {
	name, method, path, body string
	header                   map[string]string
	host                     string // the Host header, if not the API's address
	status                   int
	contains                 string // in the body
}

// TestAPISecurity sends the daemon's HTTP API what a web page, a DNS
// rebinding attack or a local program without the token could: only the
// last may read, and nothing but the CLI's token may write.
func TestAPISecurity(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	d := startDaemon(t, r)
	host, port, err := net.SplitHostPort(d.info().API)
	if err != nil || host != "127.0.0.1" {
		t.Fatalf("API address %q: expected 127.0.0.1:PORT (%v)", d.info().API, err)
	}
	tok, err := os.ReadFile(filepath.Join(r.dir, "api.token"))
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(tok))
	base := "http://" + d.info().API
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}
	badAddr := `{"addr":"not-a-multiaddr"}`
	jsonType := map[string]string{"Content-Type": "application/json"}
	withToken := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + token}
	fromPage := map[string]string{"Origin": "http://evil.example"}

	cases := []apiCase{
		{name: "id", method: "GET", path: "/api/v1/id", status: 200, contains: d.id()},
		{name: "peers", method: "GET", path: "/api/v1/peers", status: 200, contains: `"peers"`},
		{name: "metrics", method: "GET", path: "/metrics", status: 200, contains: "cairn_peers"},
		{name: "localhost host", method: "GET", path: "/api/v1/id", host: "localhost", status: 200},
		{name: "connect to a bad address", method: "POST", path: "/api/v1/connect", body: badAddr, status: 400, header: withToken},
		{name: "run with the token", method: "POST", path: "/api/v1/run", body: `{"args":["ls"]}`, status: 200, header: withToken, contains: `"code":0`},
		{name: "connect with a wrong token", method: "POST", path: "/api/v1/connect", body: badAddr, status: 401,
			header: map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + strings.Repeat("0", len(token))}},
		{name: "connect with the token in another scheme", method: "POST", path: "/api/v1/connect", body: badAddr, status: 401,
			header: map[string]string{"Content-Type": "application/json", "Authorization": "Basic " + token}},
		{name: "get with a wrong token", method: "GET", path: "/api/v1/id", status: 401,
			header: map[string]string{"Authorization": "Bearer wrong"}},
		{name: "get from a page", method: "GET", path: "/api/v1/id", status: 403, header: fromPage},
		{name: "metrics from a page", method: "GET", path: "/metrics", status: 403, header: fromPage},
		{name: "preflight", method: "OPTIONS", path: "/api/v1/connect", status: 403,
			header: map[string]string{"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}},
		{name: "rebound host", method: "GET", path: "/api/v1/id", host: "evil.example", status: 403},
		{name: "rebound host with port", method: "POST", path: "/api/v1/connect", body: badAddr, status: 403,
			host: "evil.example:" + port, header: withToken},
	}
	// Every route that acts needs the token, and refuses pages even with it.
	for _, w := range []struct{ path, body string }{
		{"/api/v1/connect", badAddr},
		{"/api/v1/fetch", `{"target":"acme/none@1.0.0","timeout":"1s"}`},
		{"/api/v1/run", `{"args":["ls"]}`},
	} {
		pageWithToken := map[string]string{"Origin": "http://evil.example"}
		for k, v := range withToken {
			pageWithToken[k] = v
		}
		route := strings.TrimPrefix(w.path, "/api/v1/")
		cases = append(cases,
			apiCase{name: route + " without token", method: "POST", path: w.path, body: w.body, status: 401, header: jsonType},
			apiCase{name: route + " from a page, with the token", method: "POST", path: w.path, body: w.body, status: 403, header: pageWithToken},
		)
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			if tc.host != "" {
				req.Host = tc.host
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("%s %s: status %d, want %d\n%s", tc.method, tc.path, resp.StatusCode, tc.status, body)
			}
			for k := range resp.Header {
				if strings.HasPrefix(strings.ToLower(k), "access-control-") {
					t.Errorf("%s %s: response has %s: %q", tc.method, tc.path, k, resp.Header.Values(k))
				}
			}
			if !strings.Contains(string(body), tc.contains) {
				t.Errorf("body does not contain %q:\n%s", tc.contains, body)
			}
			if strings.HasPrefix(tc.path, "/api/") {
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q", ct)
				}
				var v map[string]any
				if err := json.Unmarshal(body, &v); err != nil {
					t.Errorf("body is not a JSON object: %v\n%s", err, body)
				}
				if tc.status >= 400 && v["error"] == nil {
					t.Errorf("error answer without an \"error\" field: %s", body)
				}
			}
		})
	}

	// None of the refused requests changed anything, and the token, sent
	// several times, is in no log line.
	if ps := d.peers(t); len(ps) != 0 {
		t.Fatalf("daemon has peers after refused requests: %+v", ps)
	}
	if strings.Contains(d.logs(), token) {
		t.Errorf("the daemon logged the API token")
	}
}

package node_test

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/node"
)

// TestDaemonServesWebView: the daemon serves the web view on its API
// address from the repo (a package with an input, its log, the gateway
// link), redirects / to it, and its API answers as before, browsers
// still refused there.
func TestDaemonServesWebView(t *testing.T) {
	r := newRepo(t)
	src := filepath.Join(t.TempDir(), "base.bin")
	writeFile(t, src, []byte("base"))
	base := publish(t, r, node.PublishRequest{Paths: []string{src}, Name: mustName(t, "acme/base"), Version: "1.0.0"})
	app := publish(t, r, node.PublishRequest{Paths: []string{src}, Name: mustName(t, "acme/app"), Version: "1.0.0", Inputs: []cid.Cid{base.Package}})
	d := startDaemon(t, r)
	info := d.Info()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string, headers ...string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, "http://"+info.API+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := get("/"); code != http.StatusFound {
		t.Errorf("GET / = %d, want 302", code)
	}
	browser := []string{"Sec-Fetch-Site", "none", "Sec-Fetch-Mode", "navigate"}
	for path, want := range map[string][]string{
		"/ui/":                       {">acme/app<", ">acme/base<"},
		"/ui/versions?name=acme/app": {`class="status st-trusted">trusted<`, app.Package.String()},
		"/ui/package?cid=" + app.Package.String(): {`id="verdict">valid<`, `data-cid="` + base.Package.String(), "http://" + info.Gateway + "/ipfs/", "base.bin"},
		"/ui/mirror": {"No mirror rule"},
		"/ui/peers":  {info.PeerID},
	} {
		code, body := get(path, browser...)
		if code != http.StatusOK {
			t.Errorf("GET %s = %d\n%s", path, code, body)
			continue
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s does not show %q", path, w)
			}
		}
	}
	if code, body := get("/ui/log?key="+app.Signer, browser...); code != http.StatusOK || !strings.Contains(body, `class="log-entry kind-release"`) {
		t.Errorf("GET /ui/log?key=%s = %d\n%s", app.Signer, code, body)
	}
	if code, body := get("/api/v1/id"); code != http.StatusOK || !strings.Contains(body, info.PeerID) {
		t.Errorf("GET /api/v1/id = %d %s", code, body)
	}
	if code, _ := get("/api/v1/id", browser...); code != http.StatusForbidden {
		t.Errorf("a browser's GET /api/v1/id = %d, want 403 (the API still refuses browsers)", code)
	}
	if code, _ := get("/ui/", "Sec-Fetch-Site", "cross-site"); code != http.StatusForbidden {
		t.Errorf("a cross-site GET /ui/ = %d, want 403", code)
	}
}

package webui_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cairnpkg/cairn/node/internal/webui"
)

// get asks h for path as a browser on this machine would, with the
// headers given in pairs, and returns the answer and its body.
func get(t *testing.T, h http.Handler, method, path string, headers ...string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(method, "http://127.0.0.1:4502"+path, nil)
	r.Host = "127.0.0.1:4502"
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func newUI(t *testing.T, src webui.Source) http.Handler {
	t.Helper()
	h, err := webui.New(webui.Config{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func pkgPath(p *webui.Package) string { return "/ui/package?cid=" + p.CID.String() }

// TestPages: each page answers 200 and shows what its data says.
func TestPages(t *testing.T) {
	f, pkgs := repoFake(t)
	h := newUI(t, f)
	app, lib, base, other := pkgs["app"], pkgs["lib"], pkgs["base"], pkgs["other"]
	for _, tc := range []struct {
		name, path string
		want       []string
		not        []string
	}{
		{"packages", "/ui/", []string{
			`href="/ui/versions?name=acme%2Fapp"`, ">acme/app<", ">acme/base<", ">other/thing<",
			`href="/ui/package?cid=` + app.CID.String() + `">1.2.0<`, "1.5 KiB", "4 package(s)",
			"node <code>12D3KooWfakeSelf</code>",
		}, nil},
		{"filter", "/ui/?q=ACME%2Fb", []string{">acme/base<", `value="ACME/b"`}, []string{">acme/app<", ">other/thing<"}},
		{"filter none", "/ui/?q=zzz", []string{"No package name contains"}, []string{"package-row"}},
		{"versions", "/ui/versions?name=acme/app", []string{
			`class="status st-equivocation">equivocation<`, "Equivocation: two signed entries name different packages",
			"<strong>fork</strong>", dagtestCID(t, "entry one"), dagtestCID(t, "entry two"), dagtestCID(t, "rival package"),
			`class="status st-trusted">trusted<`, "pinned", `verdict <span class="status v-valid">valid</span>`, "Yanked", "CVE-2026-1", "1 of the 1 keys",
			`class="status st-stale">stale<`, "max_age 48h: stale",
		}, nil},
		{"versions newest first", "/ui/versions?name=acme/app", nil, nil},
		{"untrusted version", "/ui/versions?name=other/thing", []string{
			`class="status st-untrusted">untrusted<`, "no policy rule selects other/thing",
			`class="status st-local">local<`,
			`verdict <span class="status v-untrusted">untrusted</span> <code>no-rule</code>`, `<p class="reason verdict-reason">because no-rule</p>`,
		}, nil},
		{"package", pkgPath(app), []string{
			`id="verdict">valid<`, `policy rule <code class="rule">acme/*</code>, threshold 1`,
			"Yank pending", "broken on arm64", "1 of the 2 keys",
			// layers
			">app.wasm<", ">application/wasm<", "1.5 KiB", ">ab12cd34<",
			`href="http://127.0.0.1:4503/ipfs/` + app.Layers[0].Content.String() + `"`,
			// entries, well-known keys named, in order, dotted, quoted, links
			`<code class="key">source.repository</code></td><td>source repository</td><td class="val">https://example.com/acme/app.git`,
			`<code class="key">build.command</code></td><td>build command</td>`,
			`<code class="key">&#34;x.y&#34;.z</code></td><td></td><td class="val">[1,2]`,
			`<code class="key">tools[0].name</code>`,
			`<code class="key">license.file</code></td><td>license file</td><td class="val">link <code class="cid">bafkreiefh74`,
			// signatures
			`<a class="did" href="/ui/log?key=did%3Akey%3Az6Mkon3Necd6NkkyfoGoHxid2znGc59LU3K7mubaRcFbLfLX">did:key:z6Mkon3Necd6NkkyfoGoHxid2znGc59LU3K7mubaRcFbLfLX</a></td><td class="val">publisher</td>`,
			`<td class="val">reviewer</td>`, "untrusted-key", "not listed",
			// graph: app -> lib -> base and a missing input; app -> other (untrusted set)
			`class="node v-valid root" data-cid="` + app.CID.String(),
			`class="node v-valid" data-cid="` + lib.CID.String(),
			`class="node v-valid" data-cid="` + base.CID.String(),
			`class="node v-untrusted" data-cid="` + other.CID.String(),
			`class="node v-missing" data-cid="` + dagtestCID(t, "not held"),
			`class="edge edge-untrusted"`,
		}, nil},
		{"package without inputs", pkgPath(base), []string{"No metadata set names an input.", `<code class="key">license.expression</code></td><td>license (SPDX expression)</td>`}, []string{"<svg"}},
		{"untrusted package", pkgPath(other), []string{`id="verdict">untrusted<`, "<code>no-rule</code>", "because no-rule"}, nil},
		{"log", "/ui/log?key=" + url.QueryEscape(keyA), []string{
			"head at entry 5", `class="log-entry kind-release"`, `class="log-entry kind-yank"`, `class="log-entry kind-unyank"`,
			`class="log-entry kind-rotate"`, `class="log-entry kind-revoke"`, "new key <a", "did:key:z6MkvRXNYcE7MMduynWTgeKbDaT1iijDSC8pZqXZc8rHPrf2", "key leaked",
			"revocation <code", `href="/ui/versions?name=acme%2Fapp"`,
		}, nil},
		{"mirror", "/ui/mirror", []string{
			"<code>acme/*</code>", "countersigns", "lag 2", "<td>5</td><td>3</td><td>2</td>", "fetch timed out", "Heads not followed",
			"evil/x@1.0.0", "the policy names no rule for this key",
		}, nil},
		{"peers", "/ui/peers", []string{"12D3KooWpeerOne", "/ip4/192.0.2.7/tcp/4501", "1.2ms", "cairn/test", "/ip4/127.0.0.1/tcp/4501"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := get(t, h, http.MethodGet, tc.path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200\n%s", tc.path, res.StatusCode, body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s does not show %q", tc.path, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("GET %s shows %q", tc.path, n)
				}
			}
			if t.Failed() {
				t.Logf("body:\n%s", body)
			}
		})
	}
	// Versions come newest first.
	_, body := get(t, h, http.MethodGet, "/ui/versions?name=acme/app")
	if a, b := strings.Index(body, ">1.2.0<"), strings.Index(body, ">1.0.0<"); a < 0 || b < 0 || a > b {
		t.Errorf("versions: 1.2.0 at %d, 1.0.0 at %d; want the newest first", a, b)
	}
}

// TestGatewayOff: with no gateway, a layer's content CID is shown without
// a link.
func TestGatewayOff(t *testing.T) {
	f, pkgs := repoFake(t)
	f.gateway = ""
	_, body := get(t, newUI(t, f), http.MethodGet, pkgPath(pkgs["app"]))
	if strings.Contains(body, "/ipfs/") || !strings.Contains(body, "(gateway off)") {
		t.Errorf("gateway off: the layer links to a gateway or does not say it is off")
	}
	// An unspecified address is linked as loopback.
	f.gateway = "0.0.0.0:8080"
	_, body = get(t, newUI(t, f), http.MethodGet, pkgPath(pkgs["app"]))
	if !strings.Contains(body, `href="http://127.0.0.1:8080/ipfs/`) {
		t.Errorf("gateway on 0.0.0.0: no link to 127.0.0.1:8080")
	}
}

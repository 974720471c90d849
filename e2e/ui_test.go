package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// uiScreenshotsEnv, set to 1, makes TestUIInBrowser rewrite the screenshots
// docs/ui.md shows (docs/ui/*.png); without it they are left alone.
const uiScreenshotsEnv = "CAIRN_UPDATE_SCREENSHOTS"

// uiPageTimeout bounds one page: loading it and every query on it.
const uiPageTimeout = 10 * time.Second

// chromium returns the browser the UI test drives: $CHROMIUM, or
// /usr/bin/chromium. The test fails without one: the web view is part of
// what CI checks.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no browser for the web view test at %s (%v): install Debian's chromium "+
			"(apt-get update && apt-get install -y chromium), or set CHROMIUM to a Chromium or Chrome binary", path, err)
	}
	return path
}

// browser is a headless Chromium tab with the figures of the pages it
// loaded.
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string // http://API
	loads []pageLoad
}

type pageLoad struct {
	path string
	took time.Duration
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Start the browser now, under a deadline. (Not through a context
	// with a timeout: the first Run's context is the browser's lifetime.)
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start %s: %v", chromium(t), err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not start within 20s", chromium(t))
	}
	return &browser{t: t, ctx: ctx, base: base}
}

// open loads base+path and fails unless it answers status; it returns the
// URL the tab ended on (after redirects).
func (b *browser) open(path string, status int) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, uiPageTimeout)
	defer cancel()
	start := time.Now()
	res, err := chromedp.RunResponse(ctx, chromedp.Navigate(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	b.loads = append(b.loads, pageLoad{path, time.Since(start)})
	if int(res.Status) != status {
		b.t.Fatalf("open %s: status %d, want %d", path, res.Status, status)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

// text returns the text content of the first element sel matches (as the
// page holds it, before CSS transforms its case).
func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, uiPageTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// has fails unless the first element sel matches shows each of want.
func (b *browser) has(sel string, want ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.t.Errorf("%s shows %q, want it to contain %q", sel, got, w)
		}
	}
}

// count returns how many elements sel matches on the page as it is.
func (b *browser) count(sel string) int {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, uiPageTimeout)
	defer cancel()
	ids, err := chromedp.Run(ctx, chromedp.QueryNodeIDs(chromedp.CSSAll(sel), chromedp.AtLeast(0)))
	if err != nil {
		b.t.Fatalf("count %s: %v", sel, err)
	}
	return len(ids)
}

// attrs returns the attribute name of every element sel matches.
func (b *browser) attrs(sel, name string) []string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, uiPageTimeout)
	defer cancel()
	all, err := chromedp.Run(ctx, chromedp.AttributesAll(chromedp.CSSAll(sel), chromedp.AtLeast(0)))
	if err != nil {
		b.t.Fatalf("attributes of %s: %v", sel, err)
	}
	var out []string
	for _, a := range all {
		out = append(out, a[name])
	}
	return out
}

// style returns the computed CSS property prop of the first element sel
// matches.
func (b *browser) style(sel, prop string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, uiPageTimeout)
	defer cancel()
	props, err := chromedp.Run(ctx, chromedp.ComputedStyle(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("style of %s: %v", sel, err)
	}
	for _, p := range props {
		if p.Name == prop {
			return p.Value
		}
	}
	return ""
}

// inert fails if the page holds an element a hostile value could have
// made active.
func (b *browser) inert() {
	b.t.Helper()
	for _, sel := range []string{"script", "img", "iframe", "object", "embed", "[onerror]", "[onload]"} {
		if n := b.count(sel); n != 0 {
			b.t.Errorf("%d elements match %s", n, sel)
		}
	}
}

// shot saves the page as docs/ui/NAME.png when uiScreenshotsEnv is set.
func (b *browser) shot(name string) {
	b.t.Helper()
	if os.Getenv(uiScreenshotsEnv) != "1" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, uiPageTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("body")))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "docs", "ui")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// uiRepo is what TestUIInBrowser shows: a provenance chain, an untrusted
// package and a chain through it, a yanked version, a log of every kind, a
// mirror rule, and an equivocation a peer's daemon revealed.
type uiRepo struct {
	u, a2                  *repo
	du, da2                *daemon
	base, app, suite, tool publishResult
	widget, rival          publishResult
	appBytes               []byte
	uKey, corpKey          string
	otherKey, other2Key    string
}

func makeUIRepo(t *testing.T) *uiRepo {
	t.Helper()
	in := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(in, name)
		writeFile(t, p, []byte(content))
		return p
	}
	x := &uiRepo{u: newRepo(t), a2: newRepo(t)}
	u := x.u
	x.uKey = u.did("default")

	// A provenance chain: app 2.0.0 is built from base 1.0.0.
	baseMeta := file("base.json", `{"source":{"repository":"https://example.com/acme/base.git","commit":"9fceb02d0ae598e95dc970b74767f19372d61af8","ref":"refs/tags/v1.0.0"},`+
		`"license":{"expression":"Apache-2.0 OR MIT"},"build":{"builder":"https://ci.example.com/runners/linux-amd64","command":"make release"},"distribution":{"permissions":"public"}}`)
	x.base = u.publish("acme/base", "1.0.0", []string{file("libbase.a", "the base library 1.0.0\n")}, "--meta", baseMeta)
	u.publish("acme/base", "0.9.0", []string{file("libbase-0.9.a", "the base library 0.9.0\n")})
	u.ok("yank", "acme/base@0.9.0", "--reason", "miscompiled on arm64")
	// Its metadata carries hostile text: markup and a bidi override.
	appMeta := file("app.json", `{"build":{"command":"wasm-opt -O3 app.wasm"},"note":"<script>alert(1)</script>\"><img src=x onerror=alert(2)>","title":"release\u202egpj.exe"}`)
	x.appBytes = []byte("\x00asm\x01\x00\x00\x00 the app 2.0.0")
	appSrc := filepath.Join(in, "app.wasm")
	writeFile(t, appSrc, x.appBytes)
	x.app = u.publish("acme/app", "2.0.0", []string{appSrc}, "--input", "acme/base@1.0.0", "--meta", appMeta)

	// other/tool is published by a key the policy then stops trusting; its
	// log gets a release, a yank, an unyank and a rotation, and the key it
	// rotated to a revocation.
	u.ok("key", "gen", "other")
	u.ok("key", "gen", "other2")
	x.otherKey, x.other2Key = u.did("other"), u.did("other2")
	x.tool = u.publish("other/tool", "0.1.0", []string{file("tool", "a tool\n")}, "--key", "other")
	u.ok("yank", "other/tool@0.1.0", "--reason", "wrong license", "--key", "other")
	u.ok("unyank", "other/tool@0.1.0", "--reason", "license fixed", "--key", "other")
	// acme/suite is built from app (trusted) and tool (soon untrusted).
	x.suite = u.publish("acme/suite", "1.0.0", []string{file("suite.tar", "the suite\n")}, "--input", "acme/app@2.0.0", "--input", "other/tool@0.1.0")
	u.ok("key", "rotate", "other", "other2")
	u.ok("key", "revoke", "other2", "--reason", "laptop stolen")
	u.ok("trust", "rm", "other/*")

	// An equivocation: corp's key, copied to a2, names two packages for
	// corp/widget@1.0.0. u holds the first (imported with corp's log) and
	// hears of the second from a2's daemon.
	corp := newRepo(t)
	x.corpKey = corp.did("default")
	key, err := os.ReadFile(filepath.Join(corp.dir, "keys", "default.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(x.a2.dir, "keys", "default.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	x.widget = corp.publish("corp/widget", "1.0.0", []string{file("widget.bin", "the real widget\n")})
	x.rival = x.a2.publish("corp/widget", "1.0.0", []string{file("widget2.bin", "another widget\n")})
	car := filepath.Join(in, "widget.car")
	corp.ok("export", "corp/widget@1.0.0", "-o", car)
	u.ok("trust", "add", "corp/*", x.corpKey)
	u.ok("mirror", "add", "corp/*")
	u.ok("import", car)

	x.du, x.da2 = startDaemon(t, u), startDaemon(t, x.a2)
	connect(t, x.du, x.da2)
	eventually(t, 15*time.Second, func() (bool, string) {
		v := u.on(t).version("corp/widget", "1.0.0")
		return v.Status == "equivocation", fmt.Sprintf("corp/widget@1.0.0 on u: %+v", v)
	})
	return x
}

// TestUIInBrowser drives headless Chromium through the daemon's web view
// and asserts what each page shows: the packages and the filter, a
// provenance chain drawn with each node's verdict, an untrusted package, a
// yanked version, an equivocation with both signed entries, publisher logs
// of every kind, the mirror and the peers; hostile metadata shown as text;
// the API still refusing the browser. With CAIRN_UPDATE_SCREENSHOTS=1 it
// rewrites docs/ui/*.png.
func TestUIInBrowser(t *testing.T) {
	chromium(t) // before the setup: fail at once without a browser
	began := time.Now()
	x := makeUIRepo(t)
	setup := time.Since(began)
	b := newBrowser(t, "http://"+x.du.ready.API)

	// / redirects to the packages page, styled by its own stylesheet under
	// the CSP (no inline style could be).
	if loc := b.open("/", 200); loc != b.base+"/ui/" {
		t.Errorf("/ ended on %s, want %s/ui/", loc, b.base)
	}
	b.has("h1", "Packages")
	if bg := b.style("header.top", "background-color"); bg != "rgb(34, 49, 63)" {
		t.Errorf("the header's background is %q: the stylesheet did not apply", bg)
	}
	for _, name := range []string{"acme/app", "acme/base", "acme/suite", "corp/widget", "other/tool"} {
		if b.count(fmt.Sprintf(`a.name[href="/ui/versions?name=%s"]`, strings.ReplaceAll(name, "/", "%2F"))) != 1 {
			t.Errorf("the packages page does not list %s", name)
		}
	}
	b.shot("packages")
	// The filter is a plain GET form: it works without JavaScript (the page
	// has none).
	ctx, cancel := context.WithTimeout(b.ctx, uiPageTimeout)
	if _, err := chromedp.RunResponse(ctx, chromedp.Steps(chromedp.SendKeys(chromedp.CSS("#q"), "acme/"), chromedp.Submit(chromedp.CSS("#q")))); err != nil {
		t.Fatalf("submit the filter: %v", err)
	}
	cancel()
	if n := b.count("tr.package-row"); n != 3 {
		t.Errorf("filtered by acme/: %d rows, want 3", n)
	}
	if b.count("script") != 0 {
		t.Errorf("the packages page has a script")
	}

	// The provenance chain: app 2.0.0 from base 1.0.0, both valid.
	b.open("/ui/package?cid="+x.app.Package.S, 200)
	b.has("#verdict", "valid")
	b.has("section.verdict", "Decided by the policy rule acme/*, threshold 1")
	b.has("table.layers tr.layer", "app.wasm", "application/wasm", x.app.Layers[0].SHA256, x.app.Layers[0].Content.S)
	hrefs := b.attrs("table.layers a.cid", "href")
	gw := "http://" + x.du.ready.Gateway + "/ipfs/" + x.app.Layers[0].Content.S
	if len(hrefs) != 1 || hrefs[0] != gw {
		t.Errorf("the layer links to %v, want %s", hrefs, gw)
	} else if got := httpGet(t, gw); string(got) != string(x.appBytes) {
		t.Errorf("the gateway link answers %q, want the layer's bytes", got)
	}
	if got := b.attrs("svg.provenance g.node", "data-cid"); !sameSet(got, []string{x.app.Package.S, x.base.Package.S}) {
		t.Errorf("graph nodes %v, want app and base", got)
	}
	if n := b.count("svg.provenance g.node.v-valid"); n != 2 {
		t.Errorf("%d valid nodes, want 2", n)
	}
	b.has(`svg.provenance g.node.root text.label`, "acme/app@2.0.0")
	b.has("article.metadata table.signatures tr.signature", x.uKey, "publisher", "valid")
	// The hostile entries are text, nothing more.
	b.has("table.entries", "build.command", "build command", "wasm-opt -O3 app.wasm",
		`<script>alert(1)</script>"><img src=x onerror=alert(2)>`, `release\u202egpj.exe`)
	b.inert()
	b.shot("package")

	// Click through the graph to base: its well-known keys named.
	ctx, cancel = context.WithTimeout(b.ctx, uiPageTimeout)
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`svg.provenance g.node[data-cid="`+x.base.Package.S+`"] rect`))); err != nil {
		t.Fatalf("click base in the graph: %v", err)
	}
	cancel()
	b.has("h1", "acme/base@1.0.0")
	b.has("table.entries", "source.repository", "source repository", "https://example.com/acme/base.git",
		"license.expression", "license (SPDX expression)", "Apache-2.0 OR MIT", "distribution permissions")

	// A chain through an untrusted package: suite is untrusted because
	// tool is; the graph shows each verdict.
	b.open("/ui/package?cid="+x.suite.Package.S, 200)
	b.has("#verdict", "untrusted")
	b.has("section.verdict", "input-untrusted")
	for cls, want := range map[string][]string{
		"v-valid":     {x.app.Package.S, x.base.Package.S},
		"v-untrusted": {x.suite.Package.S, x.tool.Package.S},
	} {
		if got := b.attrs("svg.provenance g.node."+cls, "data-cid"); !sameSet(got, want) {
			t.Errorf("graph nodes of class %s: %v, want %v", cls, got, want)
		}
	}
	if n := b.count("svg.provenance line.edge"); n != 3 {
		t.Errorf("%d edges, want 3 (suite to app and tool, app to base)", n)
	}
	b.shot("provenance")

	// The untrusted package itself, and its name's page.
	b.open("/ui/package?cid="+x.tool.Package.S, 200)
	b.has("#verdict", "untrusted")
	b.has("section.verdict", "no-rule", "No policy rule selects this name.")
	b.open("/ui/versions?name=other/tool", 200)
	// No trusted log names it any more, the repo holds it (local), and the
	// package's own verdict says why it is not trusted.
	b.has("section.version", "0.1.0", "local", "verdict untrusted no-rule")

	// A yanked version under a trusted one, newest first.
	b.open("/ui/versions?name=acme/base", 200)
	b.has("main section.version:nth-of-type(1)", "1.0.0", "trusted", "pinned", "verdict valid")
	b.has("main section.version:nth-of-type(2)", "0.9.0", "trusted", "Yanked: miscompiled on arm64")
	if n := b.count("p.yank"); n != 1 {
		t.Errorf("%d versions of acme/base show a yank, want 1", n)
	}

	// The equivocation, with both signed entries.
	b.open("/ui/versions?name=corp/widget", 200)
	b.has("section.version.st-equivocation", "1.0.0", "equivocation", "Equivocation: two signed entries name different packages")
	if n := b.count("section.st-equivocation tr.proof-entry"); n != 2 {
		t.Errorf("the proof shows %d entries, want 2", n)
	}
	b.has("section.st-equivocation .proof", x.corpKey, x.widget.Package.S, x.rival.Package.S)
	b.shot("equivocation")
	b.open("/ui/package?cid="+x.widget.Package.S, 200)
	b.has("#verdict", "invalid")
	b.has("section.verdict", "equivocation")

	// Publisher logs: release, yank, unyank, rotate; revoke.
	b.open("/ui/log?key="+x.otherKey, 200)
	for _, kind := range []string{"release", "yank", "unyank", "rotate"} {
		if b.count("tr.log-entry.kind-"+kind) != 1 {
			t.Errorf("the log of other shows no %s entry", kind)
		}
	}
	b.has("tr.log-entry.kind-rotate", x.other2Key)
	b.has("tr.log-entry.kind-yank", "other/tool@0.1.0", "wrong license")
	b.shot("log")
	b.open("/ui/log?key="+x.other2Key, 200)
	b.has("tr.log-entry.kind-revoke", "laptop stolen")
	b.open("/ui/log?key="+x.uKey, 200)
	if n := b.count("tr.log-entry.kind-release"); n != 4 {
		t.Errorf("u's log shows %d releases, want 4", n)
	}

	// The mirror and the peers.
	b.open("/ui/mirror", 200)
	b.has("section.mirror-rule h2", "corp/*")
	b.has("table.mirror-logs", x.corpKey)
	b.shot("mirror")
	b.open("/ui/peers", 200)
	b.has("table.peers", x.da2.id())
	b.shot("peers")

	// The API on the same address still refuses the browser; the view
	// answers localhost too; an unknown page is a 404 page.
	b.open("/api/v1/id", 403)
	b.open("/ui/nothing", 404)
	port := x.du.ready.API[strings.LastIndex(x.du.ready.API, ":"):]
	b.base = "http://localhost" + port
	b.open("/ui/peers", 200)

	var total time.Duration
	var slowest pageLoad
	for _, l := range b.loads {
		total += l.took
		if l.took > slowest.took {
			slowest = l
		}
	}
	t.Logf("setup %s; %d page loads in %s (mean %s, slowest %s %s); whole test %s",
		setup.Round(time.Millisecond), len(b.loads), total.Round(time.Millisecond),
		(total / time.Duration(len(b.loads))).Round(time.Millisecond), slowest.path, slowest.took.Round(time.Millisecond),
		time.Since(began).Round(time.Millisecond))
}

// httpGet returns the body of a 200 answer to GET url.
func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, res.Status, body)
	}
	return body
}

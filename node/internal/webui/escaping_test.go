package webui_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/api"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/logsync"
	"github.com/cairnpkg/cairn/node/internal/mirror"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// Hostile values, as a peer, a bundle or a metadata author could send them.
const (
	evilName    = `acme/<script>alert(1)</script>`
	evilVersion = `1.0.0"><img src=x onerror=alert(2)>`
	bidiVersion = "1.0.0\u202egpj.exe"
	evilText    = `"><img src=x onerror=alert(3)><svg onload=alert(4)>`
	bidiText    = "reviewed\u2066 by \u2069admin\u200b"
)

// hostileFake fills every field the pages show with markup, attribute
// breakers and bidi overrides.
func hostileFake(t *testing.T) *fakeSource {
	f, pkgs := repoFake(t)
	app := pkgs["app"]
	app.Name, app.Version = evilName, bidiVersion
	app.Report.Name, app.Report.Version, app.Report.Reason = evilName, bidiVersion, evilText
	app.Report.Rule = evilText
	app.Layers[0].Name, app.Layers[0].MediaType = `<iframe src=javascript:alert(5)>`, `text/html"><script>alert(6)</script>`
	m := &app.Metadata[0]
	m.Kind = `</title><script>alert(7)</script>`
	m.Entries = json.RawMessage(`{"<script>k</script>":"` + strings.ReplaceAll(evilText, `"`, `\"`) + `","bidi":"` + bidiText + `",` +
		`"source":{"repository":"javascript:alert(8)"},"link":{"/":"javascript:alert(9)"},"ctl":"a\u001b[2Jb"}`)
	m.Signatures[0].Signer, m.Signatures[0].Role, m.Signatures[0].Reason = "javascript:alert(10)", evilText, bidiText
	app.Report.Yank = &sign.Yank{Status: sign.YankYanked, Reason: evilText + bidiText, Signers: []string{`"><b>x</b>`}, Holders: 1, Threshold: 1}
	app.Report.Metadata[0] = m.MetadataReport
	pkgs["lib"].Name, pkgs["lib"].Version = `<svg><script>alert(11)</script>`, bidiVersion // a graph label
	for i := range f.listed {
		if f.listed[i].Package == app.CID {
			f.listed[i].Name, f.listed[i].Version = evilName, evilVersion
		}
	}
	e := sign.Equivocation{Kind: "fork", Name: evilName, Version: evilVersion, Signers: [2]string{evilText, bidiText},
		Entries: [2]cid2{dagtest.NodeCID(t, "e1"), dagtest.NodeCID(t, "e2")}, Packages: [2]cid2{app.CID, dagtest.NodeCID(t, "p2")}}
	f.versions["acme/app"] = []trust.VersionView{
		{Version: evilVersion, Status: trust.VersionEquivocation, Reason: evilText, Equivocations: []sign.Equivocation{e}, Signers: []string{evilText}},
		{Version: bidiVersion, Status: trust.VersionUntrusted, Reason: bidiText, Evidence: []sign.Equivocation{e}},
	}
	f.logs[keyA].Entries = append(f.logs[keyA].Entries, logs.EntryView{Seq: 0, Entry: app.CID, Kind: "yank", Name: evilName, Version: bidiVersion, Reason: evilText, Key: evilText})
	f.mirror.Rules[0].Failures[0].Error, f.mirror.Rules[0].Failures[0].Name = evilText, evilName
	f.mirror.Rejected = []logsync.Rejection{{Signer: evilText, From: bidiText, Claim: evilName + "@" + evilVersion, Reason: evilText}}
	f.mirror.Rules[0].Logs = append(f.mirror.Rules[0].Logs, mirror.LogStatus{Signer: evilText})
	f.peers = append(f.peers, api.PeerInfo{PeerID: evilText, Addr: bidiText, Latency: evilText})
	return f
}

// TestHostileValuesAreInert: every page that shows network values, with
// hostile ones, parses to a document with no script, no image, no frame,
// no event handler and no javascript: link, and with no bidi or control
// character left raw (each is shown as \uXXXX).
func TestHostileValuesAreInert(t *testing.T) {
	f := hostileFake(t)
	h := newUI(t, f)
	var appCID string
	for _, p := range f.pkgs {
		if p.Name == evilName {
			appCID = p.CID.String()
		}
	}
	for _, path := range []string{
		"/ui/",
		"/ui/?q=" + url.QueryEscape(`"><script>alert(12)</script>`+"\u202e"),
		"/ui/versions?name=acme/app",
		"/ui/package?cid=" + appCID,
		"/ui/log?key=" + keyA,
		"/ui/mirror",
		"/ui/peers",
		"/ui/versions?name=" + url.QueryEscape(evilName),
		"/ui/package?cid=" + url.QueryEscape(evilText),
	} {
		t.Run(path, func(t *testing.T) {
			_, body := get(t, h, http.MethodGet, path)
			checkInert(t, body)
		})
	}
	// The hostile values are there, as text.
	_, body := get(t, h, http.MethodGet, "/ui/package?cid="+appCID)
	for _, want := range []string{
		"acme/&lt;script&gt;alert(1)&lt;/script&gt;", `1.0.0\u202egpj.exe`, `&#34;&gt;&lt;img src=x onerror=alert(3)&gt;`,
		`reviewed\u2066 by \u2069admin\u200b`, `a\u001b[2Jb`, "&lt;iframe src=javascript:alert(5)&gt;",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the package page does not show %q as text", want)
		}
	}
}

// checkInert fails if body, parsed as browsers parse it, holds active
// content or raw bidi and control characters.
func checkInert(t *testing.T, body string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "img", "iframe", "object", "embed", "style", "base", "meta":
				if n.Data != "meta" || hasAttr(n, "http-equiv") {
					t.Errorf("a <%s> element in the page", n.Data)
				}
			case "svg":
				if !hasAttrValue(n, "class", "provenance") {
					t.Errorf("an <svg> that is not the provenance graph")
				}
			case "b":
				t.Errorf("a <b> element: markup from a value")
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("<%s %s=%q>: an event handler", n.Data, a.Key, a.Val)
				}
				if (a.Key == "href" || a.Key == "src" || a.Key == "action") && !(strings.HasPrefix(a.Val, "/ui/") || strings.HasPrefix(a.Val, "http://127.0.0.1:4503/ipfs/")) {
					t.Errorf("<%s %s=%q>: a link off the view", n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, r := range body {
		if r == '\n' || r == '\t' {
			continue
		}
		if hiddenRune(r) {
			t.Errorf("the page holds %U raw", r)
			break
		}
	}
	if t.Failed() {
		t.Logf("body:\n%s", body)
	}
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func hasAttrValue(n *html.Node, key, val string) bool {
	for _, a := range n.Attr {
		if a.Key == key && strings.Contains(a.Val, val) {
			return true
		}
	}
	return false
}

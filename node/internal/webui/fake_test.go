package webui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"unicode"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/api"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/logsync"
	"github.com/cairnpkg/cairn/node/internal/mirror"
	"github.com/cairnpkg/cairn/node/internal/publish"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/node/internal/webui"
	"github.com/cairnpkg/cairn/sign"
)

// Keys of the fake.
const (
	keyA = "did:key:z6Mkon3Necd6NkkyfoGoHxid2znGc59LU3K7mubaRcFbLfLX"
	keyB = "did:key:z6Mko9hTggMwjSTEaJaPUfE6tqcy2xvU6BnNq3e3o8qVBiyH"
)

// fakeSource answers from maps; err, if set, is what every method returns.
type fakeSource struct {
	err      error
	gateway  string
	listed   []webui.Listed
	versions map[string][]trust.VersionView
	pkgs     map[cid.Cid]*webui.Package
	logs     map[string]*logs.View
	mirror   *webui.MirrorStatus
	peers    []api.PeerInfo
}

var _ webui.Source = (*fakeSource)(nil)

func (f *fakeSource) ID(context.Context) (api.IDInfo, error) {
	if f.err != nil {
		return api.IDInfo{}, f.err
	}
	return api.IDInfo{PeerID: "12D3KooWfakeSelf", Addrs: []string{"/ip4/127.0.0.1/tcp/4501"}, API: "127.0.0.1:4502", Gateway: f.gateway, Agent: "cairn/test"}, nil
}

func (f *fakeSource) Packages(context.Context) ([]webui.Listed, error) { return f.listed, f.err }

func (f *fakeSource) Versions(_ context.Context, name dag.Name) ([]trust.VersionView, error) {
	if f.err != nil {
		return nil, f.err
	}
	return f.versions[name.String()], nil
}

func (f *fakeSource) Package(_ context.Context, c cid.Cid) (*webui.Package, error) {
	if f.err != nil {
		return nil, f.err
	}
	p, ok := f.pkgs[c]
	if !ok {
		return nil, fmt.Errorf("%w: package %s", errNotFound, c)
	}
	return p, nil
}

func (f *fakeSource) Log(_ context.Context, did string) (*logs.View, error) {
	if f.err != nil {
		return nil, f.err
	}
	v, ok := f.logs[did]
	if !ok {
		return nil, fmt.Errorf("%w: no log of %s", errNotFound, did)
	}
	return v, nil
}

func (f *fakeSource) Mirror(context.Context) (*webui.MirrorStatus, error) { return f.mirror, f.err }

func (f *fakeSource) Peers(context.Context) ([]api.PeerInfo, error) { return f.peers, f.err }

// pkg makes a fake package with one layer and one metadata set of status st
// naming inputs, signed by keyA.
func pkg(t *testing.T, name, version string, st sign.Status, code sign.Code, entries string, inputs ...cid.Cid) *webui.Package {
	t.Helper()
	c, meta, sig := dagtest.NodeCID(t, "pkg "+name+version), dagtest.NodeCID(t, "meta "+name+version), dagtest.NodeCID(t, "sig "+name+version)
	content, _ := dagtest.Content(t, []byte(name+version))
	created := dagtest.Time()
	reason := ""
	if st != sign.Valid {
		reason = "because " + string(code)
	}
	mr := sign.MetadataReport{CID: meta, Kind: "build", Created: &created, Status: st, Code: code, Reason: reason, Inputs: inputs,
		Valid: 1, Signatures: []sign.SignatureReport{{CID: sig, Signer: keyA, Role: "publisher", Created: &created, Status: st, Code: code, Reason: reason}}}
	rep := &sign.Report{CID: c, Name: name, Version: version, Status: st, Code: code, Reason: reason, Rule: "acme/*", Threshold: 1,
		Metadata: []sign.MetadataReport{mr}}
	return &webui.Package{CID: c, Name: name, Version: version, Report: rep,
		Layers:   []publish.LayerView{{Name: "app.wasm", MediaType: "application/wasm", Size: 1536, SHA256: "ab12cd34", Content: content}},
		Metadata: []webui.Metadata{{MetadataReport: mr, Entries: json.RawMessage(entries)}}}
}

// repoFake is a repo with a provenance chain (app <- lib <- base, and an
// input not held), an untrusted package, a yanked and an equivocated
// version, a log of every kind, a mirror rule and a peer.
func repoFake(t *testing.T) (*fakeSource, map[string]*webui.Package) {
	t.Helper()
	missing := dagtest.NodeCID(t, "not held")
	base := pkg(t, "acme/base", "1.0.0", sign.Valid, "", `{"license":{"expression":"MIT"}}`)
	lib := pkg(t, "acme/lib", "2.0.0", sign.Valid, "", `{}`, base.CID, missing)
	other := pkg(t, "other/thing", "0.1.0", sign.Untrusted, sign.CodeNoRule, `{"note":"hi"}`)
	app := pkg(t, "acme/app", "1.2.0", sign.Valid, "",
		`{"source":{"repository":"https://example.com/acme/app.git","commit":"9fceb02d"},"build":{"command":"make"},"x.y":{"z":[1,2]},"tools":[{"name":"cc"}],"license":{"file":{"/":"bafkreiefh74toyvanxn7oiwe5pu53vtnr5r53lvjp5jbypwmednhzf3aea"}}}`,
		lib.CID)
	// A second, untrusted metadata set names other/thing as an input.
	um := app.Metadata[0]
	um.CID, um.Kind, um.Status, um.Code, um.Inputs = dagtest.NodeCID(t, "um"), "review", sign.Untrusted, sign.CodeUntrustedKey, []cid.Cid{other.CID}
	um.Signatures = []sign.SignatureReport{{CID: dagtest.NodeCID(t, "us"), Signer: keyB, Role: "reviewer", Status: sign.Untrusted, Code: sign.CodeUntrustedKey, Reason: "not listed"}}
	app.Metadata = append(app.Metadata, um)
	app.Report.Metadata = append(app.Report.Metadata, um.MetadataReport)
	app.Report.Yank = &sign.Yank{Status: sign.YankPending, Reason: "broken on arm64", Signers: []string{keyA}, Holders: 1, Threshold: 2}

	pkgs := map[string]*webui.Package{"base": base, "lib": lib, "other": other, "app": app}
	f := &fakeSource{gateway: "127.0.0.1:4503", pkgs: map[cid.Cid]*webui.Package{}}
	for _, p := range pkgs {
		f.pkgs[p.CID] = p
		f.listed = append(f.listed, webui.Listed{Name: p.Name, Version: p.Version, Package: p.CID, Layers: 1, Size: 1536})
	}
	now := dagtest.Time()
	e1, e2 := dagtest.NodeCID(t, "entry one"), dagtest.NodeCID(t, "entry two")
	rival := dagtest.NodeCID(t, "rival package")
	f.versions = map[string][]trust.VersionView{
		"acme/app": {
			{Version: "1.0.0", Status: trust.VersionEquivocation, Reason: "disputed by 1 proof",
				Equivocations: []sign.Equivocation{{Kind: "fork", Name: "acme/app", Version: "1.0.0", Signers: [2]string{keyA, keyA},
					Seqs: [2]uint64{1, 1}, Entries: [2]cid.Cid{e1, e2}, Packages: [2]cid.Cid{app.CID, rival}, Detected: now}}},
			{Version: "1.1.0", Status: trust.VersionTrusted, Package: &app.CID, Signers: []string{keyA}, Pinned: true,
				Yank: &sign.Yank{Status: sign.YankYanked, Reason: "CVE-2026-1", Signers: []string{keyA}, Holders: 1, Threshold: 1}},
			{Version: "1.2.0", Status: trust.VersionStale, Reason: "nothing heard from acme/*",
				Freshness: &trust.Freshness{Rule: "acme/*", MaxAge: "48h", Stale: true}},
		},
		"other/thing": {
			{Version: "0.1.0", Status: trust.VersionUntrusted, Reason: "no policy rule selects other/thing"},
			{Version: "0.2.0", Status: trust.VersionLocal, Package: &other.CID, Pinned: true},
		},
	}
	rot := "did:key:z6MkvRXNYcE7MMduynWTgeKbDaT1iijDSC8pZqXZc8rHPrf2"
	rev := dagtest.NodeCID(t, "revocation")
	f.logs = map[string]*logs.View{keyA: {Signer: keyA, Head: 5, Entries: []logs.EntryView{
		{Seq: 5, Entry: dagtest.NodeCID(t, "l5"), Kind: "revoke", Created: now, Revocation: &rev, Reason: "key leaked"},
		{Seq: 4, Entry: dagtest.NodeCID(t, "l4"), Kind: "rotate", Created: now, Key: rot},
		{Seq: 3, Entry: dagtest.NodeCID(t, "l3"), Kind: "unyank", Created: now, Name: "acme/app", Version: "1.1.0", Reason: "fixed"},
		{Seq: 2, Entry: dagtest.NodeCID(t, "l2"), Kind: "yank", Created: now, Name: "acme/app", Version: "1.1.0", Reason: "CVE-2026-1"},
		{Seq: 1, Entry: e1, Kind: "release", Created: now, Name: "acme/app", Version: "1.0.0", Package: &app.CID, Metadata: []cid.Cid{app.Metadata[0].CID}},
	}}}
	heard := now
	f.mirror = &webui.MirrorStatus{
		Rules: []mirror.RuleStatus{{Rule: mirror.Rule{Pattern: "acme/*", Countersign: true, Added: now, Mirrored: 3,
			Failures: []mirror.Failure{{Signer: keyA, Seq: 2, Name: "acme/app", Version: "1.1.0", Package: rival, Error: "fetch timed out", Attempts: 3, At: now}}},
			Logs: []mirror.LogStatus{{Signer: keyA, Head: 5, Cursor: 3, Lag: 2, Heard: &heard}}, Lag: 2}},
		Rejected: []logsync.Rejection{{Signer: keyB, Seq: 9, Head: rival, From: "12D3KooWpeer", Claim: "evil/x@1.0.0", Reason: "the policy names no rule for this key", At: now}},
	}
	f.peers = []api.PeerInfo{{PeerID: "12D3KooWpeerOne", Addr: "/ip4/192.0.2.7/tcp/4501", Latency: "1.2ms"}}
	return f, pkgs
}

// dagtestCID is the string of dagtest.NodeCID(t, label).
func dagtestCID(t *testing.T, label string) string { return dagtest.NodeCID(t, label).String() }

// cid2 names cid.Cid for the arrays of hostile fixtures.
type cid2 = cid.Cid

// hiddenRune reports a control or format character (the ones the view
// shows escaped).
func hiddenRune(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }

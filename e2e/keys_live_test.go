package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The tests of keys that live and die, versions withdrawn and frozen views
// (docs/trust.md §6–7), with real daemons: A publishes, M mirrors acme/*,
// and B, whose policy names only A's first key, consumes through M alone.

// yankJSON and freshnessJSON are parts of `cairn versions --json`.
type yankJSON struct {
	Status    string   `json:"status"`
	Reason    string   `json:"reason"`
	Signers   []string `json:"signers"`
	Threshold int      `json:"threshold"`
}

type freshnessJSON struct {
	Rule   string     `json:"rule"`
	MaxAge string     `json:"maxAge"`
	Stale  bool       `json:"stale"`
	Since  *time.Time `json:"since"`
}

// liveVersion is one line of `cairn versions --json`, with yank and
// freshness.
type liveVersion struct {
	versionJSON
	Yank      *yankJSON      `json:"yank"`
	Freshness *freshnessJSON `json:"freshness"`
}

// liveVersionOf returns how r's repo resolves name@version (zero if not
// listed).
func liveVersionOf(t *testing.T, r *repo, name, version string) liveVersion {
	t.Helper()
	var vs []liveVersion
	r.on(t).json(&vs, "versions", name)
	for _, v := range vs {
		if v.Version == version {
			return v
		}
	}
	return liveVersion{}
}

// liveOrgs makes A, M (trusting A's default key for acme/* and mirroring
// it) and B (trusting the same key, with extra trust add flags), starts
// their daemons, and connects M to A and B to M only. configA edits A's
// config.toml before its daemon starts.
type liveOrgs struct {
	a, m, b    *repo
	da, dm, db *daemon
	aKey       string
}

func startLiveOrgs(t *testing.T, bTrustFlags []string, configA func(*repo)) *liveOrgs {
	t.Helper()
	o := &liveOrgs{a: newRepo(t), m: newRepo(t), b: newRepo(t)}
	o.aKey = o.a.did("default")
	o.m.ok("trust", "add", "acme/*", o.aKey)
	o.m.ok("mirror", "add", "acme/*")
	o.b.ok(append([]string{"trust", "add", "acme/*", o.aKey}, bTrustFlags...)...)
	if configA != nil {
		configA(o.a)
	}
	o.da, o.dm, o.db = startDaemon(t, o.a), startDaemon(t, o.m), startDaemon(t, o.b)
	connect(t, o.dm, o.da)
	connect(t, o.db, o.dm)
	return o
}

// publishFile publishes a small file as acme/app@version on r.
func publishFile(t *testing.T, r *repo, version string, extra ...string) publishResult {
	t.Helper()
	src := filepath.Join(t.TempDir(), "app-"+version)
	writeFile(t, src, []byte("acme app "+version+"\n"))
	return r.publish("acme/app", version, []string{src}, extra...)
}

// waitStatus waits until r resolves acme/app@version with status (and, if
// reason is not empty, a reason containing it).
func waitStatus(t *testing.T, r *repo, version, status, reason string) liveVersion {
	t.Helper()
	var v liveVersion
	eventually(t, mirrorWait, func() (bool, string) {
		v = liveVersionOf(t, r, "acme/app", version)
		return v.Status == status && strings.Contains(v.Reason, reason), fmt.Sprintf("acme/app@%s on %s: %+v", version, r.dir, v)
	})
	return v
}

// setNetworkConfig sets key = value (TOML) in the [network] section of r's
// config.toml.
func setNetworkConfig(t *testing.T, r *repo, key, value string) {
	t.Helper()
	path := filepath.Join(r.dir, "config.toml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(data), "[network]\n", "[network]\n  "+key+" = "+value+"\n", 1)
	if s == string(data) {
		t.Fatalf("config.toml has no [network] section:\n%s", data)
	}
	writeFile(t, path, []byte(s))
}

// TestYankThroughMirror: A yanks 1.0.1; within seconds M and B show it
// yanked; on B fetch and get by name refuse it (exit 3, yanked, the reason)
// unless --allow-yanked, by CID it is served, verify says so; unyank
// restores it.
func TestYankThroughMirror(t *testing.T) {
	o := startLiveOrgs(t, nil, nil)
	publishFile(t, o.a, "1.0.0")
	pub := publishFile(t, o.a, "1.0.1")
	waitPinned(t, o.m, "acme/app", "1.0.1", mirrorWait)
	waitStatus(t, o.b, "1.0.1", "trusted", "")

	start := time.Now()
	o.a.ok("yank", "acme/app@1.0.1", "--reason", "broken build: use 1.0.2")
	for _, r := range []*repo{o.m, o.b} {
		eventually(t, mirrorWait, func() (bool, string) {
			v := liveVersionOf(t, r, "acme/app", "1.0.1")
			return v.Yank != nil && v.Yank.Status == "yanked" && v.Yank.Reason == "broken build: use 1.0.2", fmt.Sprintf("on %s: %+v", r.dir, v.Yank)
		})
	}
	t.Logf("yank on A to yanked on M and B: %s", time.Since(start).Round(time.Millisecond))
	if v := liveVersionOf(t, o.b, "acme/app", "1.0.0"); v.Yank != nil || v.Status != "trusted" {
		t.Errorf("1.0.0 on B: %+v, want trusted, not yanked", v)
	}

	out := filepath.Join(t.TempDir(), "out")
	o.b.fail(3, []string{"yanked", "broken build: use 1.0.2", "--allow-yanked"}, "fetch", "acme/app@1.0.1", "--timeout", "30s")
	o.b.fail(3, []string{"yanked"}, "get", "acme/app@1.0.1", "-o", out)
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused get wrote %s (%v)", out, err)
	}
	o.b.ok("fetch", "acme/app@1.0.1", "--allow-yanked", "--timeout", "30s")
	o.b.fail(3, []string{"yanked"}, "get", "acme/app@1.0.1", "-o", out)
	o.b.ok("get", pub.Package.S, "-o", out) // by CID: not a name, nothing to refuse
	if got, _ := os.ReadFile(out); string(got) != "acme app 1.0.1\n" {
		t.Errorf("get by CID wrote %q", got)
	}
	if res := o.b.ok("verify", "acme/app@1.0.1"); !strings.Contains(res.stdout, "yanked: broken build") {
		t.Errorf("verify on B does not say it is yanked:\n%s", res.stdout)
	}
	var rep struct {
		Status string    `json:"status"`
		Yank   *yankJSON `json:"yank"`
	}
	o.m.json(&rep, "verify", "acme/app@1.0.1")
	if rep.Status != "valid" || rep.Yank == nil || rep.Yank.Status != "yanked" {
		t.Errorf("verify --json on M: %+v, want valid and yanked", rep)
	}

	o.a.ok("unyank", "acme/app@1.0.1")
	eventually(t, mirrorWait, func() (bool, string) {
		v := liveVersionOf(t, o.b, "acme/app", "1.0.1")
		return v.Yank == nil && v.Status == "trusted", fmt.Sprintf("on B after unyank: %+v", v)
	})
	out2 := filepath.Join(t.TempDir(), "out2")
	o.b.ok("get", "acme/app@1.0.1", "-o", out2)
}

// TestRotationThroughMirror: A rotates to a new key; B, whose policy names
// only the old one, trusts the next release signed by the new key (trust ls
// says via rotation); the old key signs nothing more on A, and a release
// its copy signs elsewhere after the rotation is refused on B.
func TestRotationThroughMirror(t *testing.T) {
	o := startLiveOrgs(t, nil, nil)
	publishFile(t, o.a, "1.0.0")
	before := filepath.Join(t.TempDir(), "before.car")
	o.a.ok("export", "acme/app@1.0.0", "-o", before)
	waitPinned(t, o.m, "acme/app", "1.0.0", mirrorWait)

	o.a.ok("key", "gen", "next")
	next := o.a.did("next")
	var rot struct {
		Log struct {
			Seq   uint64  `json:"seq"`
			Entry cidJSON `json:"entry"`
		} `json:"log"`
		Key string `json:"key"`
	}
	o.a.json(&rot, "key", "rotate", "default", "next")
	if rot.Key != next || rot.Log.Seq != 2 {
		t.Fatalf("key rotate: %+v, want entry 2 naming %s", rot, next)
	}
	publishFile(t, o.a, "1.1.0", "--key", "next")
	waitPinned(t, o.m, "acme/app", "1.1.0", mirrorWait)
	v := waitStatus(t, o.b, "1.1.0", "trusted", "")
	if len(v.Signers) != 1 || v.Signers[0] != next {
		t.Errorf("1.1.0 on B is signed by %v, want the new key %s", v.Signers, next)
	}
	o.b.ok("fetch", "acme/app@1.1.0", "--timeout", "30s")
	o.b.ok("verify", "acme/app@1.1.0")
	ls := o.b.ok("trust", "ls").stdout
	if !strings.Contains(ls, next+"  via rotation from "+o.aKey+" (entry "+rot.Log.Entry.S+")") {
		t.Errorf("trust ls on B does not show the new key via rotation:\n%s", ls)
	}

	// The old key signs nothing more where its log is known.
	src := filepath.Join(t.TempDir(), "old")
	writeFile(t, src, []byte("signed by the old key after the rotation\n"))
	if res := o.a.run("publish", "--name", "acme/app", "--version", "1.2.0", src); res.code == 0 || !strings.Contains(res.stderr, "rotated") {
		t.Errorf("publish with the rotated key on A:\n%s", res)
	}

	// A copy of the old key that never heard of the rotation (X) signs
	// 1.2.0 as entry 2 of its log: a fork of the log where it ended. B
	// refuses it, keeps its trust in 1.0.0 and 1.1.0.
	x := newRepo(t)
	x.ok("trust", "add", "acme/*", o.aKey)
	keyPEM, err := os.ReadFile(filepath.Join(o.a.dir, "keys", "default.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(x.dir, "keys", "stolen.key"), keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	x.ok("import", before)
	x.publish("acme/app", "1.2.0", []string{src}, "--key", "stolen")
	forged := filepath.Join(t.TempDir(), "forged.car")
	x.ok("export", "acme/app@1.2.0", "-o", forged)
	if res := o.b.run("import", forged); res.code == 0 {
		t.Errorf("B imported a release the old key signed after its rotation:\n%s", res)
	}
	if v := liveVersionOf(t, o.b, "acme/app", "1.2.0"); v.Status == "trusted" {
		t.Errorf("1.2.0 on B: %+v, want not trusted", v)
	}
	for _, version := range []string{"1.0.0", "1.1.0"} {
		if v := liveVersionOf(t, o.b, "acme/app", version); v.Status != "trusted" {
			t.Errorf("%s on B after the forged bundle: %+v, want trusted", version, v)
		}
	}
}

// TestRevokeSinceThroughMirror: A revokes its key from an earlier seq on:
// on B (and M) what it signed from there becomes untrusted, revoked-key,
// and what it signed before stays trusted. A revocation exported in
// advance works after the key is deleted.
func TestRevokeSinceThroughMirror(t *testing.T) {
	o := startLiveOrgs(t, nil, nil)
	o.a.ok("key", "gen", "spare")
	spare := o.a.did("spare")
	for _, r := range []*repo{o.m, o.b} {
		r.ok("trust", "add", "tools/*", spare)
	}
	o.m.ok("mirror", "add", "tools/*")
	publishFile(t, o.a, "1.0.0")         // entry 1
	p101 := publishFile(t, o.a, "1.0.1") // entry 2
	src := filepath.Join(t.TempDir(), "tool")
	writeFile(t, src, []byte("a tool\n"))
	o.a.publish("tools/x", "1.0.0", []string{src}, "--key", "spare")
	waitPinned(t, o.m, "acme/app", "1.0.1", mirrorWait)
	waitPinned(t, o.m, "tools/x", "1.0.0", mirrorWait)
	waitStatus(t, o.b, "1.0.1", "trusted", "")

	o.a.ok("key", "revoke", "default", "--reason", "laptop stolen", "--since", "2")
	for _, r := range []*repo{o.m, o.b} {
		waitStatus(t, r, "1.0.1", "untrusted", "revoked-key")
		if v := liveVersionOf(t, r, "acme/app", "1.0.0"); v.Status != "trusted" {
			t.Errorf("1.0.0, before the revoked seq, on %s: %+v, want trusted", r.dir, v)
		}
	}
	if res := o.b.run("fetch", "acme/app@1.0.1", "--timeout", "30s"); res.code == 0 {
		t.Errorf("B fetched a version only a revoked key claims:\n%s", res)
	}
	o.m.fail(3, []string{"revoked-key"}, "verify", p101.Package.S)

	// A revocation made in advance, kept in a file; the key is deleted;
	// the file alone revokes it.
	file := filepath.Join(t.TempDir(), "spare.revocation")
	o.a.ok("key", "revoke", "spare", "--reason", "lost with the laptop", "--since", "1", "--export", file)
	waitStatus(t, o.b, "1.0.0", "trusted", "") // exporting told nobody
	o.a.ok("key", "rm", "spare", "--yes")
	o.a.ok("key", "revoke", "--from", file)
	eventually(t, mirrorWait, func() (bool, string) {
		v := liveVersionOf(t, o.b, "tools/x", "1.0.0")
		return v.Status == "untrusted" && strings.Contains(v.Reason, "revoked-key"), fmt.Sprintf("tools/x@1.0.0 on B: %+v", v)
	})
	var pol struct {
		Rules []struct {
			Pattern string `json:"pattern"`
			Keys    []struct {
				DID         string `json:"did"`
				RevokedFrom uint64 `json:"revokedFrom"`
			} `json:"keys"`
		} `json:"rules"`
	}
	o.b.json(&pol, "trust", "ls")
	found := false
	for _, r := range pol.Rules {
		for _, k := range r.Keys {
			found = found || (k.DID == spare && k.RevokedFrom == 1)
		}
	}
	if !found {
		t.Errorf("trust ls on B does not show %s revoked from 1: %+v", spare, pol)
	}
}

// TestStaleWhenPublisherQuiet: B's rule has max_age 3s and A says its
// heads every second; with A stopped, B reports acme/app stale within a
// few seconds of the expiry (exit 7 by name, by CID unaffected), and
// recovers when A comes back.
func TestStaleWhenPublisherQuiet(t *testing.T) {
	o := startLiveOrgs(t, []string{"--max-age", "3s"}, func(a *repo) { setNetworkConfig(t, a, "announce_interval", `"1s"`) })
	pub := publishFile(t, o.a, "1.0.0")
	waitPinned(t, o.m, "acme/app", "1.0.0", mirrorWait)
	v := waitStatus(t, o.b, "1.0.0", "trusted", "")
	if v.Freshness == nil || v.Freshness.Stale || v.Freshness.MaxAge != "3s" {
		t.Fatalf("freshness on B: %+v, want fresh, max_age 3s", v.Freshness)
	}

	o.da.stop()
	stopped := time.Now()
	v = waitStatus(t, o.b, "1.0.0", "stale", "the view may be frozen")
	t.Logf("A stopped to stale on B: %s", time.Since(stopped).Round(time.Millisecond))
	if !strings.Contains(v.Reason, o.aKey) || v.Freshness == nil || v.Freshness.Since == nil {
		t.Errorf("stale on B: %+v, want the quiet key and since when", v)
	}
	o.b.fail(7, []string{"stale", "max_age 3s"}, "fetch", "acme/app@1.0.0", "--timeout", "30s")
	o.b.fail(7, []string{"stale"}, "verify", "acme/app@1.0.0")
	o.b.ok("fetch", pub.Package.S, "--timeout", "30s") // by CID: unaffected
	o.b.ok("verify", pub.Package.S)

	da := startDaemon(t, o.a)
	connect(t, o.dm, da)
	waitStatus(t, o.b, "1.0.0", "trusted", "")
	o.b.ok("verify", "acme/app@1.0.0")
}

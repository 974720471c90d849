package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mirrorWait bounds how long a mirror may take to have a small package
// pinned and verified after its publish ("within a few seconds").
const mirrorWait = 10 * time.Second

// versionJSON is one line of `cairn versions --json`.
type versionJSON struct {
	Version       string             `json:"version"`
	Status        string             `json:"status"`
	Package       *cidJSON           `json:"package"`
	Signers       []string           `json:"signers"`
	Pinned        bool               `json:"pinned"`
	Reason        string             `json:"reason"`
	Equivocations []equivocationJSON `json:"equivocations"`
	Evidence      []equivocationJSON `json:"evidence"`
}

type equivocationJSON struct {
	Kind     string     `json:"kind"`
	Name     string     `json:"name"`
	Version  string     `json:"version"`
	Signers  [2]string  `json:"signers"`
	Entries  [2]cidJSON `json:"entries"`
	Packages [2]cidJSON `json:"packages"`
}

// version returns how r's repo resolves name@version (zero if not listed).
func (r *repo) version(name, version string) versionJSON {
	r.t.Helper()
	var vs []versionJSON
	r.json(&vs, "versions", name)
	for _, v := range vs {
		if v.Version == version {
			return v
		}
	}
	return versionJSON{}
}

// waitPinned waits until r has name@version trusted and pinned.
func waitPinned(t *testing.T, r *repo, name, version string, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, func() (bool, string) {
		v := r.on(t).version(name, version)
		return v.Status == "trusted" && v.Pinned, fmt.Sprintf("%s@%s on %s: %+v", name, version, r.dir, v)
	})
}

// mirrorOrgs makes acme (A, which publishes) and a mirror (B, which trusts
// acme's key for acme/* and mirrors it with countersignatures).
func mirrorOrgs(t *testing.T) (a, b *repo, acmeKey string) {
	a, b = newRepo(t), newRepo(t)
	acmeKey = a.did("default")
	b.ok("trust", "add", "acme/*", acmeKey)
	b.ok("mirror", "add", "acme/*", "--countersign")
	return a, b, acmeKey
}

// TestMirrorThreeOrgs: acme publishes; the mirror has it pinned and verified
// within seconds and countersigns it; acme goes offline; a consumer that
// knows only the mirror resolves the name from the logs, fetches and
// verifies it.
func TestMirrorThreeOrgs(t *testing.T) {
	a, b, acmeKey := mirrorOrgs(t)
	c := newRepo(t)
	c.ok("trust", "add", "acme/*", acmeKey)
	da, db := startDaemon(t, a), startDaemon(t, b)
	connect(t, db, da)

	src := filepath.Join(t.TempDir(), "app.wasm")
	writeFile(t, src, []byte("\x00asm\x01\x00\x00\x00 acme app"))
	start := time.Now()
	pub := a.publish("acme/app", "1.0.0", []string{src})
	waitPinned(t, b, "acme/app", "1.0.0", mirrorWait)
	t.Logf("published on A to pinned on B: %s", time.Since(start).Round(time.Millisecond))
	if got := b.version("acme/app", "1.0.0"); got.Package == nil || got.Package.S != pub.Package.S {
		t.Fatalf("B resolves acme/app@1.0.0 to %+v, want %s", got.Package, pub.Package)
	}
	b.ok("verify", "acme/app@1.0.0")

	// The mirror countersigned the metadata set in role mirror: its own log
	// has one entry naming the package.
	var blog struct {
		Head    uint64 `json:"head"`
		Entries []struct {
			Package    cidJSON   `json:"package"`
			Metadata   []cidJSON `json:"metadata"`
			Signatures []cidJSON `json:"signatures"`
		} `json:"entries"`
	}
	eventually(t, mirrorWait, func() (bool, string) {
		b.on(t).json(&blog, "log")
		return blog.Head == 1, fmt.Sprintf("mirror's log: %+v", blog)
	})
	if blog.Entries[0].Package.S != pub.Package.S || len(blog.Entries[0].Metadata) != 1 || blog.Entries[0].Metadata[0].S != pub.Metadata.S {
		t.Errorf("mirror's log entry %+v, want the countersignature of %s", blog.Entries[0], pub.Metadata)
	}
	if out := b.ok("inspect", "acme/app@1.0.0").stdout; !strings.Contains(out, "mirror") {
		t.Errorf("inspect on B shows no mirror signature:\n%s", out)
	}
	var st struct {
		Rules []struct {
			Pattern  string `json:"pattern"`
			Mirrored int    `json:"mirrored"`
			Lag      uint64 `json:"lag"`
		} `json:"rules"`
	}
	b.json(&st, "mirror", "status")
	if len(st.Rules) != 1 || st.Rules[0].Mirrored != 1 || st.Rules[0].Lag != 0 {
		t.Errorf("mirror status = %+v, want one rule, 1 mirrored, lag 0", st)
	}

	resp, err := http.Get("http://" + db.info().API + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{`cairn_mirror_entries_total{result="mirrored"} 1`, `cairn_gossip_announcements_total{result="accepted"}`} {
		if !strings.Contains(string(metrics), m) {
			t.Errorf("B's /metrics lacks %s", m)
		}
	}

	da.stop()
	dc := startDaemon(t, c)
	connect(t, dc, db)
	// C learns acme's log from B (head exchange on connect) and resolves the
	// name from it before anything is fetched.
	eventually(t, mirrorWait, func() (bool, string) {
		v := c.on(t).version("acme/app", "1.0.0")
		return v.Status == "trusted" && v.Package != nil && v.Package.S == pub.Package.S && !v.Pinned, fmt.Sprintf("on C: %+v", v)
	})
	c.ok("fetch", "acme/app@1.0.0", "--timeout", "30s")
	c.ok("verify", "acme/app@1.0.0")
	out := filepath.Join(t.TempDir(), "out")
	c.ok("get", "acme/app@1.0.0", "-o", out)
	got, err := os.ReadFile(out) // a one-file package is written as that file
	want, _ := os.ReadFile(src)
	if err != nil || string(got) != string(want) {
		t.Errorf("C got %q, %v; want %q", got, err, want)
	}
	if v := verdicts(t, c, "acme/app@1.0.0"); v != verdicts(t, b, "acme/app@1.0.0") {
		t.Errorf("verdicts differ between mirror and consumer:\nC %s\nB %s", v, verdicts(t, b, "acme/app@1.0.0"))
	}
}

// TestMirrorCatchesUpAfterRestart: the mirror is down while acme publishes
// ten times; on restart it connects to acme, and head exchange (no new
// gossip: acme publishes nothing more) brings all ten.
func TestMirrorCatchesUpAfterRestart(t *testing.T) {
	a, b, _ := mirrorOrgs(t)
	da, db := startDaemon(t, a), startDaemon(t, b)
	connect(t, db, da)
	src := filepath.Join(t.TempDir(), "app.bin")
	writeFile(t, src, []byte("1.0.0"))
	a.publish("acme/app", "1.0.0", []string{src})
	waitPinned(t, b, "acme/app", "1.0.0", mirrorWait)

	db.stop()
	var missed []string
	for i := 1; i <= 10; i++ {
		v := fmt.Sprintf("1.0.%d", i)
		writeFile(t, src, []byte(v))
		a.publish("acme/app", v, []string{src})
		missed = append(missed, v)
		if i == 5 { // an entry of the same log that the mirror's pattern does not match
			a.publish("other/tool", "1.0.0", []string{src})
		}
	}
	db = startDaemon(t, b)
	connect(t, db, da)
	for _, v := range missed {
		waitPinned(t, b, "acme/app", v, mirrorWait)
	}
	b.ok("verify", "acme/app@1.0.10")
	if v := b.version("other/tool", "1.0.0"); v.Pinned || v.Status != "untrusted" {
		t.Errorf("other/tool@1.0.0 on B: %+v, want claimed by an untrusted key and not mirrored", v)
	}
	var st struct {
		Rules []struct {
			Mirrored int    `json:"mirrored"`
			Lag      uint64 `json:"lag"`
		} `json:"rules"`
	}
	b.json(&st, "mirror", "status")
	if len(st.Rules) != 1 || st.Rules[0].Mirrored != 11 || st.Rules[0].Lag != 0 {
		t.Errorf("mirror status %+v, want 11 mirrored (1.0.0 to 1.0.10) and no lag past other/tool", st)
	}
	if !strings.Contains(db.logs(), "log caught up") {
		t.Errorf("B's log does not show the catch-up")
	}
}

// TestMirrorRefusesUntrusted: a package whose signatures do not meet the
// mirror's policy (threshold 2, one signature) is not mirrored, and mirror
// status says why; once a second trusted key signs, the sign's log entry
// brings it in.
func TestMirrorRefusesUntrusted(t *testing.T) {
	a, b, _ := mirrorOrgs(t)
	a.ok("key", "gen", "qa")
	qa := a.did("qa")
	b.ok("trust", "add", "acme/*", qa, "--threshold", "2")
	da, db := startDaemon(t, a), startDaemon(t, b)
	connect(t, db, da)
	src := filepath.Join(t.TempDir(), "app.bin")
	writeFile(t, src, []byte("needs two signatures"))
	pub := a.publish("acme/app", "1.0.0", []string{src})
	var st struct {
		Rules []struct {
			Failures []struct {
				Name, Version, Error string
				Permanent            bool
			} `json:"failures"`
		} `json:"rules"`
	}
	eventually(t, mirrorWait, func() (bool, string) {
		b.on(t).json(&st, "mirror", "status")
		return len(st.Rules) == 1 && len(st.Rules[0].Failures) == 1, fmt.Sprintf("mirror status: %+v", st)
	})
	f := st.Rules[0].Failures[0]
	if f.Name != "acme/app" || f.Version != "1.0.0" || !f.Permanent || !strings.Contains(f.Error, "below-threshold") {
		t.Errorf("failure %+v, want a permanent below-threshold refusal of acme/app@1.0.0", f)
	}
	if out := b.ok("mirror", "status").stdout; !strings.Contains(out, "not mirrored acme/app@1.0.0") {
		t.Errorf("mirror status does not say what was refused:\n%s", out)
	}
	if v := b.version("acme/app", "1.0.0"); v.Pinned {
		t.Errorf("the refused package is pinned on B: %+v", v)
	}
	// The second key signs: its log entry names the package, and the mirror takes it.
	a.ok("sign", pub.Metadata.S, "--key", "qa")
	waitPinned(t, b, "acme/app", "1.0.0", mirrorWait)
	b.ok("verify", "acme/app@1.0.0")
}

// TestTrustAddedLater: a head the mirror ignored (its key was not trusted)
// is followed as soon as `trust add` names the key, without waiting for the
// next periodic head exchange (30 s).
func TestTrustAddedLater(t *testing.T) {
	a, b := newRepo(t), newRepo(t)
	b.ok("mirror", "add", "acme/*")
	da, db := startDaemon(t, a), startDaemon(t, b)
	connect(t, db, da)
	src := filepath.Join(t.TempDir(), "app.bin")
	writeFile(t, src, []byte("early"))
	a.publish("acme/app", "1.0.0", []string{src})
	var st struct {
		Rejected []struct {
			Claim string `json:"claim"`
		} `json:"rejected"`
	}
	eventually(t, mirrorWait, func() (bool, string) {
		b.on(t).json(&st, "mirror", "status")
		return len(st.Rejected) == 1 && st.Rejected[0].Claim == "acme/app@1.0.0", fmt.Sprintf("mirror status: %+v", st)
	})
	start := time.Now()
	b.ok("trust", "add", "acme/*", a.did("default"))
	waitPinned(t, b, "acme/app", "1.0.0", 5*time.Second)
	t.Logf("pinned %s after trust add", time.Since(start).Round(time.Millisecond))
	st.Rejected = nil // "rejected" is omitted when empty
	b.json(&st, "mirror", "status")
	if len(st.Rejected) != 0 {
		t.Errorf("mirror status still lists rejections of a followed key: %+v", st.Rejected)
	}
}

// TestEquivocation: acme's key signs two different packages as
// acme/app@1.0.0 (from two repos holding the same key). The mirror keeps both
// signed entries as evidence, does not resolve the name, and verify fails.
func TestEquivocation(t *testing.T) {
	a, b, acmeKey := mirrorOrgs(t)
	a2 := newRepo(t)
	// a2 holds acme's key: copy the key file, as a leaked or shared key would be.
	key, err := os.ReadFile(filepath.Join(a.dir, "keys", "default.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(a2.dir, "keys", "default.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := a2.did("default"); got != acmeKey {
		t.Fatalf("a2's key is %s, want %s", got, acmeKey)
	}
	da, da2, db := startDaemon(t, a), startDaemon(t, a2), startDaemon(t, b)
	src := filepath.Join(t.TempDir(), "app.bin")
	writeFile(t, src, []byte("the real 1.0.0"))
	real := a.publish("acme/app", "1.0.0", []string{src})
	writeFile(t, src, []byte("another 1.0.0"))
	other := a2.publish("acme/app", "1.0.0", []string{src})
	if real.Package.S == other.Package.S {
		t.Fatal("the two packages are the same")
	}
	connect(t, db, da)
	waitPinned(t, b, "acme/app", "1.0.0", mirrorWait)
	connect(t, db, da2)
	var v versionJSON
	eventually(t, mirrorWait, func() (bool, string) {
		v = b.on(t).version("acme/app", "1.0.0")
		return v.Status == "equivocation", fmt.Sprintf("on B: %+v", v)
	})
	if len(v.Equivocations) == 0 {
		t.Fatalf("no evidence with the equivocation: %+v", v)
	}
	ev := v.Equivocations[0]
	pkgs := ev.Packages[0].S + " " + ev.Packages[1].S
	if ev.Signers != [2]string{acmeKey, acmeKey} || !strings.Contains(pkgs, real.Package.S) || !strings.Contains(pkgs, other.Package.S) {
		t.Errorf("evidence %+v, want entries of %s naming %s and %s", ev, acmeKey, real.Package, other.Package)
	}
	// Both signed entries are held, so the proof can be checked by anyone.
	for _, e := range ev.Entries {
		b.ok("inspect", e.S)
	}
	// The name does not resolve, and the package verify knew is now disputed.
	b.fail(3, []string{"equivocation"}, "verify", "acme/app@1.0.0")
	if out := b.fail(3, nil, "verify", real.Package.S).stdout; !strings.Contains(out, "equivocation (fork): acme/app@1.0.0") {
		t.Errorf("verify does not print the proof:\n%s", out)
	}
	res := b.fail(3, nil, "verify", real.Package.S, "--json")
	var rep struct {
		Status        string             `json:"status"`
		Code          string             `json:"code"`
		Equivocations []equivocationJSON `json:"equivocations"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("verify --json: %v\n%s", err, res)
	}
	if rep.Status != "invalid" || rep.Code != "equivocation" || len(rep.Equivocations) == 0 {
		t.Errorf("verify of the mirrored package = %+v, want invalid, equivocation, with evidence", rep)
	}
	// The API reports it too: the report with its proofs, and 409 for the name.
	var apiRep struct {
		Code          string             `json:"code"`
		Equivocations []equivocationJSON `json:"equivocations"`
	}
	apiGet(t, db, "/api/v1/verify?target="+real.Package.S, http.StatusOK, &apiRep)
	if apiRep.Code != "equivocation" || len(apiRep.Equivocations) == 0 {
		t.Errorf("GET /api/v1/verify = %+v, want the proofs", apiRep)
	}
	apiGet(t, db, "/api/v1/verify?target=acme/app@1.0.0", http.StatusConflict, nil)
	if out := b.ok("log", acmeKey).stdout; !strings.Contains(out, "fork") {
		t.Errorf("cairn log of acme's key does not show the fork:\n%s", out)
	}
}

// TestMirrorKilledMidFetch: the mirror is killed (SIGKILL) while it fetches a
// 200 MB package; its repo then holds nothing of it as pinned, and once
// restarted it finishes the job.
func TestMirrorKilledMidFetch(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MB mirror skipped in -short mode")
	}
	a, b, _ := mirrorOrgs(t)
	da, db := startDaemon(t, a), startDaemon(t, b)
	connect(t, db, da)
	src := filepath.Join(t.TempDir(), "big.bin")
	randomFile(t, src, 200<<20, 42)
	pub := a.publish("acme/big", "1.0.0", []string{src})

	// Kill B once its fetch has some, but not all, of the bytes.
	api := "http://" + db.info().API + "/api/v1/fetches"
	eventually(t, 30*time.Second, func() (bool, string) {
		var fs []struct {
			Bytes int64 `json:"bytes"`
		}
		resp, err := http.Get(api)
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&fs); err != nil {
			return false, err.Error()
		}
		return len(fs) == 1 && fs[0].Bytes > 10<<20, fmt.Sprintf("fetches: %+v", fs)
	})
	db.kill()

	if out := b.ok("ls").stdout; strings.Contains(out, "acme/big") {
		t.Fatalf("after the kill, B lists the partial package:\n%s", out)
	}
	b.fail(4, nil, "inspect", pub.Package.S)
	db = startDaemon(t, b)
	connect(t, db, da)
	waitPinned(t, b, "acme/big", "1.0.0", 60*time.Second)
	b.ok("verify", "acme/big@1.0.0")
	var st struct {
		Journal int `json:"journal"`
	}
	b.json(&st, "repo", "stat")
	if st.Journal != 0 {
		t.Errorf("repo stat after the mirror finished: journal %d, want 0", st.Journal)
	}
}

// apiGet GETs path from d's API, wants status, and decodes a 200 body into v.
func apiGet(t *testing.T, d *daemon, path string, status int, v any) {
	t.Helper()
	resp, err := http.Get("http://" + d.info().API + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %s, want %d", path, resp.Status, status)
	}
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
}

package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Key hygiene with the real binary: rotating a key hands its trust to the
// next one and retires it, a revocation made in advance is imported once the
// key is gone, key rm asks before it deletes, and a policy file others may
// write is refused.

// keyStatusJSON is one key of key list --json.
type keyStatusJSON struct {
	Name        string `json:"name"`
	DID         string `json:"did"`
	Status      string `json:"status"`
	RotatedTo   string `json:"rotatedTo"`
	RevokedFrom uint64 `json:"revokedFrom"`
}

// keyStatus returns key list --json's entry for name; ok is false when the
// key is not listed.
func (r *repo) keyStatus(name string) (k keyStatusJSON, ok bool) {
	r.t.Helper()
	var keys []keyStatusJSON
	r.json(&keys, "key", "list")
	for _, k := range keys {
		if k.Name == name {
			return k, true
		}
	}
	return keyStatusJSON{}, false
}

// keyLine returns key list's human line for name ("" when not listed).
func (r *repo) keyLine(name string) string {
	r.t.Helper()
	for _, l := range strings.Split(r.ok("key", "list").stdout, "\n") {
		if f := strings.Fields(l); len(f) > 1 && (f[0] == name || f[0] == "*" && f[1] == name) {
			return l
		}
	}
	return ""
}

// TestKeyRotate: after key rotate, key list says the old key rotated to the
// new one, publishing with the old key fails saying it is retired, the new
// key publishes under the rule that trusted the old one, and a rotation to
// a revoked key is refused.
func TestKeyRotate(t *testing.T) {
	r := newRepo(t)
	src := filepath.Join(t.TempDir(), "x.bin")
	writeFile(t, src, []byte("acme x\n"))
	r.publish("acme/x", "1.0.0", []string{src}) // auto-trust: acme/* trusts the default key
	oldDID := r.did("default")
	r.ok("key", "gen", "next")
	newDID := r.did("next")

	if k, _ := r.keyStatus("default"); k.Status != "active" {
		t.Fatalf("before the rotation: %+v, want active", k)
	}
	res := r.ok("key", "rotate", "default", "next")
	for _, want := range []string{`rotated key "default" to "next"`, "entry 2 of " + oldDID, newDID} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("key rotate does not say %q:\n%s", want, res)
		}
	}
	if !strings.Contains(res.stderr, "default_key") {
		t.Errorf("rotating the default key does not warn about default_key:\n%s", res)
	}
	if line := r.keyLine("default"); !strings.Contains(line, oldDID+"  rotated to "+newDID) {
		t.Errorf("key list after rotate: %q, want %q", line, "rotated to "+newDID)
	}
	if k, _ := r.keyStatus("default"); k.Status != "rotated" || k.RotatedTo != newDID {
		t.Errorf("key list --json after rotate: %+v, want rotated to %s", k, newDID)
	}
	if k, _ := r.keyStatus("next"); k.Status != "active" {
		t.Errorf("key list --json, the new key: %+v, want active", k)
	}

	before := r.snapshot()
	r.fail(2, []string{"key is rotated or revoked", oldDID, "rotated to " + newDID, "sign with the new key"},
		"publish", "--name", "acme/x", "--version", "1.0.1", src)
	if after := r.snapshot(); after != before {
		t.Errorf("a publish refused for a retired key changed the repo:\n%s\n---\n%s", before, after)
	}
	r.publish("acme/x", "1.0.1", []string{src}, "--key", "next")
	r.ok("verify", "acme/x@1.0.1")
	if ls := r.ok("trust", "ls").stdout; !strings.Contains(ls, newDID+"  via rotation from "+oldDID) {
		t.Errorf("trust ls does not show the rotation:\n%s", ls)
	}

	r.ok("key", "gen", "bad")
	r.ok("key", "revoke", "bad", "--reason", "compromised")
	r.fail(2, []string{"cannot rotate to " + r.did("bad"), "revoked"}, "key", "rotate", "next", "bad")
	if k, _ := r.keyStatus("next"); k.Status != "active" {
		t.Errorf("a refused rotation changed the key: %+v", k)
	}
}

// TestKeyRevokeExportImport: a revocation exported while the key is held is
// written 0600 and stores nothing; once the key is removed, importing it
// revokes the key: trust ls shows it here, and key list shows it on a repo
// that still holds a copy of the key.
func TestKeyRevokeExportImport(t *testing.T) {
	r := newRepo(t)
	r.ok("key", "gen", "laptop")
	did := r.did("laptop")
	r.ok("trust", "add", "acme/*", did)
	file := filepath.Join(t.TempDir(), "laptop.revocation")

	res := r.ok("key", "revoke", "laptop", "--reason", "stolen", "--export", file)
	for _, want := range []string{file, did, "key revoke --from " + file} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("key revoke --export does not say %q:\n%s", want, res)
		}
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 || st.Size() == 0 {
		t.Errorf("exported revocation: mode %04o, %d bytes; want 0600, not empty", st.Mode().Perm(), st.Size())
	}
	exported, _ := os.ReadFile(file)
	if k, _ := r.keyStatus("laptop"); k.Status != "active" {
		t.Errorf("--export stored the revocation: %+v", k)
	}
	if ls := r.ok("trust", "ls").stdout; strings.Contains(ls, "revoked") {
		t.Errorf("--export stored the revocation; trust ls:\n%s", ls)
	}
	// An existing file is never replaced without --force.
	r.fail(1, []string{"already exists", file, "--force"}, "key", "revoke", "laptop", "--reason", "again", "--export", file)
	if got, _ := os.ReadFile(file); !bytes.Equal(got, exported) {
		t.Error("a refused --export changed the file")
	}
	// Keep a copy of the key elsewhere before it goes: another repo.
	backup := newRepo(t)
	keyData, err := os.ReadFile(filepath.Join(r.dir, "keys", "laptop.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(backup.dir, "keys", "laptop.key"), keyData, 0o600); err != nil {
		t.Fatal(err)
	}

	r.ok("key", "rm", "laptop", "--yes")
	if _, ok := r.keyStatus("laptop"); ok {
		t.Fatal("key list still lists the removed key")
	}
	r.fail(4, []string{"no key named \"laptop\""}, "key", "export", "laptop")

	r.fail(2, []string{"takes no --reason"}, "key", "revoke", "--from", file, "--reason", "x")
	res = r.ok("key", "revoke", "--from", file)
	if !strings.Contains(res.stdout, "imported the revocation of "+did+" from entry 1") {
		t.Errorf("key revoke --from:\n%s", res)
	}
	if ls := r.ok("trust", "ls").stdout; !strings.Contains(ls, did+"  revoked from entry 1 of its log on") {
		t.Errorf("trust ls after importing the revocation:\n%s", ls)
	}

	backup.ok("key", "revoke", "--from", file)
	if line := backup.keyLine("laptop"); !strings.Contains(line, did+"  revoked from seq 1") {
		t.Errorf("key list of a repo holding the key, after the import: %q, want revoked from seq 1", line)
	}
	if k, _ := backup.keyStatus("laptop"); k.Status != "revoked" || k.RevokedFrom != 1 {
		t.Errorf("key list --json after the import: %+v, want revoked from 1", k)
	}
}

// TestKeyRmRefusals: key rm does not delete without a yes: not without a
// terminal (exit 2, pass --yes), not an unknown key (exit 4), not the default
// key unless --force-default.
func TestKeyRmRefusals(t *testing.T) {
	r := newRepo(t)
	r.ok("key", "gen", "spare")
	// stdin is not a terminal (exec gives /dev/null).
	r.fail(2, []string{"not a terminal", "pass --yes"}, "key", "rm", "spare")
	if _, ok := r.keyStatus("spare"); !ok {
		t.Fatal("key rm without --yes removed the key")
	}
	for _, args := range [][]string{
		{"key", "rm", "nosuch", "--yes"},
		{"key", "rm", "nosuch"},
		{"key", "export", "nosuch"},
		{"key", "rotate", "nosuch", "spare"},
		{"key", "revoke", "nosuch", "--reason", "x"},
	} {
		r.fail(4, []string{`no key named "nosuch"`}, args...)
	}
	r.fail(1, []string{`key "default" is the repo's default key`, "--force-default"}, "key", "rm", "default", "--yes")
	if _, ok := r.keyStatus("default"); !ok {
		t.Fatal("key rm removed the default key without --force-default")
	}
	var out struct {
		Name    string `json:"name"`
		DID     string `json:"did"`
		Removed bool   `json:"removed"`
	}
	did := r.did("spare")
	r.json(&out, "key", "rm", "spare", "--yes")
	if out.Name != "spare" || out.DID != did || !out.Removed {
		t.Errorf("key rm --json = %+v", out)
	}
	res := r.ok("key", "rm", "default", "--yes", "--force-default")
	if !strings.Contains(res.stderr, "default_key") {
		t.Errorf("removing the default key does not warn about default_key:\n%s", res)
	}
	if _, ok := r.keyStatus("default"); ok {
		t.Error("key rm --force-default did not remove the default key")
	}
}

// TestKeyExportDefault: key export with no NAME prints the default key's
// did:key, the one init made.
func TestKeyExportDefault(t *testing.T) {
	r := &repo{t: t, dir: filepath.Join(t.TempDir(), "repo")}
	var init struct {
		DID string `json:"did"`
	}
	r.json(&init, "init")
	if got := strings.TrimSpace(r.ok("key", "export").stdout); got != init.DID || got == "" {
		t.Errorf("key export = %q, want the default key %q", got, init.DID)
	}
	r.ok("key", "gen", "other")
	if got := r.did("other"); got == init.DID {
		t.Errorf("key export other = the default key's DID")
	}
}

// TestPolicyWritableByOthersRefused: a policy file group or others may write
// makes trust ls and verify fail (exit 2) naming the file, its mode and the
// chmod that fixes it; after that chmod they work again.
func TestPolicyWritableByOthersRefused(t *testing.T) {
	r := newRepo(t)
	src := filepath.Join(t.TempDir(), "x.bin")
	writeFile(t, src, []byte("acme x\n"))
	r.publish("acme/x", "1.0.0", []string{src})
	pol := filepath.Join(r.dir, "policy.toml")
	if err := os.Chmod(pol, 0o664); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"trust", "ls"}, {"verify", "acme/x@1.0.0"}} {
		r.fail(2, []string{"invalid trust policy", pol, "mode 0664", "chmod go-w " + pol}, args...)
	}
	other := filepath.Join(t.TempDir(), "other.toml")
	data, err := os.ReadFile(pol)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, other, data)
	if err := os.Chmod(other, 0o646); err != nil {
		t.Fatal(err)
	}
	r.fail(2, []string{"mode 0646", "chmod go-w " + other}, "verify", "acme/x@1.0.0", "--policy", other)

	if err := os.Chmod(pol, 0o644); err != nil {
		t.Fatal(err)
	}
	r.ok("trust", "ls")
	r.ok("verify", "acme/x@1.0.0")
}

// TestTrustAddMaxAge: trust add --max-age sets the rule's max_age, shown by
// trust ls; trust add without it keeps it, a bad duration is refused with the
// policy unchanged, and 0 removes it.
func TestTrustAddMaxAge(t *testing.T) {
	r := newRepo(t)
	did := r.did("default")
	maxAge := func() string {
		var pol struct {
			Rules []struct {
				MaxAge string `json:"maxAge"`
			} `json:"rules"`
		}
		r.json(&pol, "trust", "ls")
		if len(pol.Rules) != 1 {
			t.Fatalf("trust ls: %d rules, want 1", len(pol.Rules))
		}
		return pol.Rules[0].MaxAge
	}
	r.ok("trust", "add", "acme/*", did, "--max-age", "48h")
	if ls := r.ok("trust", "ls").stdout; !strings.Contains(ls, "acme/*  1 of 1, any role, max_age 48h") {
		t.Errorf("trust ls after --max-age 48h:\n%s", ls)
	}
	if got := maxAge(); got != "48h" {
		t.Errorf("maxAge = %q, want 48h", got)
	}
	r.ok("trust", "add", "acme/*", did)
	if got := maxAge(); got != "48h" {
		t.Errorf("trust add without --max-age: maxAge = %q, want it kept (48h)", got)
	}
	before := r.snapshot()
	for _, bad := range []string{"soon", "-1h", "48"} {
		r.fail(2, []string{"max_age", bad, "expected a positive duration"}, "trust", "add", "acme/*", did, "--max-age", bad)
	}
	if after := r.snapshot(); after != before {
		t.Errorf("a refused --max-age changed the repo:\n%s\n---\n%s", before, after)
	}
	r.ok("trust", "add", "acme/*", did, "--max-age", "0")
	if got := maxAge(); got != "" {
		t.Errorf("--max-age 0: maxAge = %q, want none", got)
	}
}

// TestKeyCommandsThroughDaemon: while a daemon holds the repo, key revoke
// --export writes FILE relative to where the CLI runs, --from reads it from
// there, and key rm needs --yes, saying why.
func TestKeyCommandsThroughDaemon(t *testing.T) {
	r := newRepo(t)
	r.ok("key", "gen", "ci")
	did := r.did("ci")
	r.ok("trust", "add", "acme/*", did)
	startDaemon(t, r)
	cwd := t.TempDir()

	res := r.runIn(cwd, "key", "revoke", "ci", "--reason", "rotating out", "--export", "ci.rev")
	if res.code != 0 {
		t.Fatalf("key revoke --export through the daemon:\n%s", res)
	}
	if _, err := os.Stat(filepath.Join(cwd, "ci.rev")); err != nil {
		t.Fatalf("the exported revocation is not where the CLI ran: %v\n%s", err, res)
	}
	res = r.runIn(cwd, "key", "rm", "ci")
	if res.code != 2 || !strings.Contains(res.stderr, "through the daemon") || !strings.Contains(res.stderr, "--yes") {
		t.Fatalf("key rm through the daemon without --yes: want exit 2 saying to pass --yes:\n%s", res)
	}
	if res = r.runIn(cwd, "key", "rm", "ci", "--yes"); res.code != 0 {
		t.Fatalf("key rm --yes through the daemon:\n%s", res)
	}
	if res = r.runIn(cwd, "key", "revoke", "--from", "ci.rev"); res.code != 0 {
		t.Fatalf("key revoke --from through the daemon:\n%s", res)
	}
	if ls := r.ok("trust", "ls").stdout; !strings.Contains(ls, did+"  revoked from entry 1") {
		t.Errorf("trust ls after the import through the daemon:\n%s", ls)
	}
}

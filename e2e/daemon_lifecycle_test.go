package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDaemonRestartKeepsIdentityAndData stops a daemon and starts another on
// the same repo: the peer ID is the repo's, and the packages published before
// are still there and verify.
func TestDaemonRestartKeepsIdentityAndData(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	src := filepath.Join(t.TempDir(), "hello.txt")
	writeFile(t, src, []byte("hello\n"))
	pub := r.publish("acme/hello", "1.0.0", []string{src})
	var offline idJSON
	r.json(&offline, "id")
	if offline.Running || offline.PeerID == "" {
		t.Fatalf("cairn id with no daemon: %+v", offline)
	}

	d := startDaemon(t, r)
	if d.id() != offline.PeerID {
		t.Fatalf("daemon runs as %s, cairn id said %s before", d.id(), offline.PeerID)
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("daemon exited %d on SIGTERM", code)
	}
	d2 := startDaemon(t, r)
	if d2.id() != d.id() {
		t.Fatalf("restarted daemon is %s, was %s", d2.id(), d.id())
	}
	if !d2.info().Started.After(d.info().Started) {
		t.Errorf("daemon.json started %s, not after the first daemon's %s", d2.info().Started, d.info().Started)
	}
	if code := d2.stop(); code != 0 {
		t.Fatalf("daemon exited %d on SIGTERM", code)
	}

	var ls []struct {
		Name    string  `json:"name"`
		Version string  `json:"version"`
		Package cidJSON `json:"package"`
	}
	r.json(&ls, "ls")
	if len(ls) != 1 || ls[0].Name != "acme/hello" || ls[0].Version != "1.0.0" || ls[0].Package != pub.Package {
		t.Fatalf("cairn ls after two daemons: %+v, want acme/hello@1.0.0 %s", ls, pub.Package)
	}
	r.ok("verify", "acme/hello@1.0.0")
	var after idJSON
	r.json(&after, "id")
	if after.Running || after.PeerID != d.id() {
		t.Fatalf("cairn id after the daemons stopped: %+v, want %s not running", after, d.id())
	}
}

// TestDaemonAutoInit runs a daemon where there is no repo yet: it makes one,
// with its secrets readable by the owner only, and runs on it.
func TestDaemonAutoInit(t *testing.T) {
	t.Parallel()
	r := &repo{t: t, dir: filepath.Join(t.TempDir(), "not", "yet")}
	if _, err := os.Stat(r.dir); !os.IsNotExist(err) {
		t.Fatalf("repo dir exists before the daemon: %v", err)
	}
	d := startDaemon(t, r)
	for _, f := range []struct {
		path string
		mode os.FileMode // 0: any
	}{
		{"config.toml", 0},
		{"policy.toml", 0},
		{"identity.key", 0o600},
		{"api.token", 0o600},
		{"keys/default.key", 0o600},
	} {
		fi, err := os.Stat(filepath.Join(r.dir, f.path))
		if err != nil {
			t.Errorf("daemon made no %s: %v", f.path, err)
			continue
		}
		if f.mode != 0 && fi.Mode().Perm() != f.mode {
			t.Errorf("%s has mode %v, want %v", f.path, fi.Mode().Perm(), f.mode)
		}
	}
	if !strings.Contains(d.logs(), "initialized repo") {
		t.Errorf("daemon did not log that it initialized the repo")
	}
	if id := d.idOf(t); !id.Running || id.PeerID != d.id() {
		t.Fatalf("cairn id: %+v, want %s running", id, d.id())
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("daemon exited %d on SIGTERM", code)
	}
	// It is a repo like one from cairn init.
	r.ok("ls")
	r.fail(1, []string{"already exists"}, "init")
}

// TestSecondDaemonOnSameRepo: a second daemon on a repo a daemon holds exits
// 5 at once and leaves the first alone. Other commands do not hit the lock:
// they run in the daemon instead (cmd/cairn/forward.go).
func TestSecondDaemonOnSameRepo(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	src := filepath.Join(t.TempDir(), "x.txt")
	writeFile(t, src, []byte("x\n"))
	pub := r.publish("acme/x", "1.0.0", []string{src})
	d := startDaemon(t, r)
	second := spawnDaemon(t, r)
	code, ok := second.wait(10 * time.Second)
	if !ok {
		t.Fatalf("a second daemon on the same repo still runs after 10s")
	}
	if code != 5 || !strings.Contains(second.stderr.String(), "repo is locked") {
		t.Fatalf("second daemon: exit %d, want 5 with \"repo is locked\":\n%s", code, second.logs())
	}
	if s := second.stdout.String(); s != "" {
		t.Errorf("second daemon printed on stdout: %q", s)
	}

	if d.hasExited() {
		t.Fatalf("first daemon exited (%d) when the second one failed", d.exitCode())
	}
	if info, err := readDaemonJSON(r.dir); err != nil || info.PID != d.info().PID {
		t.Fatalf("daemon.json after the second daemon failed: %+v, %v; want pid %d", info, err, d.info().PID)
	}
	if id := d.idOf(t); !id.Running || id.PeerID != d.id() {
		t.Fatalf("cairn id: %+v, want %s running", id, d.id())
	}
	var ls []struct {
		Name    string  `json:"name"`
		Package cidJSON `json:"package"`
	}
	r.json(&ls, "ls")
	if len(ls) != 1 || ls[0].Package != pub.Package {
		t.Fatalf("cairn ls while the daemon runs: %+v, want acme/x %s", ls, pub.Package)
	}

	if code := d.stop(); code != 0 {
		t.Fatalf("daemon exited %d on SIGTERM", code)
	}
}

// TestDaemonStopsOnSIGINT: SIGINT stops a daemon cleanly; SIGKILL leaves a
// daemon.json behind that cairn id sees through, and the repo's lock dies
// with the process so a new daemon starts.
func TestDaemonStopsOnSIGINT(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	d := startDaemon(t, r)
	if code := d.stopWith(syscall.SIGINT); code != 0 {
		t.Fatalf("daemon exited %d on SIGINT", code)
	}
	if !strings.Contains(d.logs(), "daemon stopped") {
		t.Errorf("daemon did not log that it stopped")
	}

	killed := startDaemon(t, r)
	killed.kill()
	if code := killed.exitCode(); code != 128+int(syscall.SIGKILL) {
		t.Fatalf("SIGKILLed daemon exited %d", code)
	}
	stale, err := readDaemonJSON(r.dir)
	if err != nil || stale.PID != killed.info().PID {
		t.Fatalf("expected the killed daemon's daemon.json to be left behind: %+v, %v", stale, err)
	}
	var id idJSON
	r.json(&id, "id")
	if id.Running || id.PeerID != d.id() {
		t.Fatalf("cairn id with a stale daemon.json: %+v, want %s not running", id, d.id())
	}
	if res := r.run("peers"); res.code == 0 || !strings.Contains(res.stderr, "no daemon is running") {
		t.Fatalf("cairn peers with a stale daemon.json:\n%s", res)
	}
	// The lock died with the process: a command opens the repo itself.
	r.ok("ls")

	again := startDaemon(t, r)
	if again.id() != d.id() {
		t.Fatalf("daemon after a kill is %s, was %s", again.id(), d.id())
	}
	if code := again.stop(); code != 0 {
		t.Fatalf("daemon exited %d on SIGTERM", code)
	}
}

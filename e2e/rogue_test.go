package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Bounds of the rogue-peer test.
const (
	rogueTimeout = 30 * time.Second // one run of the rogue binary, flood included
	attackSeen   = 10 * time.Second // until the daemon's log shows what the attack met
	idAnswer     = 2 * time.Second  // cairn id on a daemon just flooded
)

// rogueLine is the summary line of e2e/rogue.
var rogueLine = regexp.MustCompile(`^rogue (\S+) (\S+): published (\d+), sent (\d+)\n$`)

// runRogue runs the rogue peer against addr in mode and returns its peer ID.
func runRogue(t *testing.T, addr, mode string, extra ...string) string {
	t.Helper()
	if f, err := os.Open(filepath.Join("rogue", "main.go")); err == nil {
		f.Close() // so go test's cache sees edits to the rogue (see touchSources)
	}
	ctx, cancel := context.WithTimeout(context.Background(), rogueTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, rogueBin, append([]string{"--connect", addr, "--mode", mode}, extra...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("rogue --mode %s: %v\nstdout:\n%s\nstderr:\n%s", mode, err, &stdout, &stderr)
	}
	m := rogueLine.FindStringSubmatch(stdout.String())
	if m == nil || m[2] != mode || m[3] != m[4] {
		t.Fatalf("rogue --mode %s: unexpected summary %q (all published messages must be sent)\nstderr:\n%s", mode, &stdout, &stderr)
	}
	t.Logf("%s in %s", strings.TrimSpace(stdout.String()), time.Since(start).Round(time.Millisecond))
	return m[1]
}

// dropped returns the lines of d's log in which the gossip validator dropped
// an announcement from peer for a reason that contains every one of reason.
func dropped(d *daemon, peer string, reason ...string) []string {
	var out []string
lines:
	for _, l := range strings.Split(d.logs(), "\n") {
		if !strings.Contains(l, "gossip: dropped announcement") || !strings.Contains(l, "from="+peer) {
			continue
		}
		for _, r := range reason {
			if !strings.Contains(l, r) {
				continue lines
			}
		}
		out = append(out, l)
	}
	return out
}

// TestRogueAnnouncements: a mirror that trusts acme is told of a head of a
// key it does not trust, which claims acme/app@9.9.9, and then attacked on
// the announce topic by a peer whose router validates nothing: garbage,
// forged signatures naming acme's key, a flood of one key's heads, and heads
// of hundreds of fresh keys. It takes none of it, stays responsive, and
// still mirrors acme's next release.
func TestRogueAnnouncements(t *testing.T) {
	a, b, d := newRepo(t), newRepo(t), newRepo(t)
	acmeKey, dKey := a.did("default"), d.did("default")
	b.ok("trust", "add", "acme/*", acmeKey)
	b.ok("mirror", "add", "acme/*")
	da, db, dd := startDaemon(t, a), startDaemon(t, b), startDaemon(t, d)
	connect(t, db, da)
	connect(t, dd, db)

	src := filepath.Join(t.TempDir(), "app.bin")
	writeFile(t, src, []byte("acme app 1.0.0"))
	a.publish("acme/app", "1.0.0", []string{src})
	waitPinned(t, b, "acme/app", "1.0.0", mirrorWait)

	// D, with a key of its own, claims acme/app@9.9.9.
	writeFile(t, src, []byte("not acme's 9.9.9"))
	d.publish("acme/app", "9.9.9", []string{src})
	var st struct {
		Rejected []struct {
			Signer string `json:"signer"`
			Claim  string `json:"claim"`
			Reason string `json:"reason"`
		} `json:"rejected"`
	}
	eventually(t, mirrorWait, func() (bool, string) {
		b.on(t).json(&st, "mirror", "status")
		for _, rj := range st.Rejected {
			if rj.Signer == dKey && rj.Claim == "acme/app@9.9.9" && strings.Contains(rj.Reason, "acme/app@9.9.9") && strings.Contains(rj.Reason, dKey) {
				return true, ""
			}
		}
		return false, fmt.Sprintf("B's rejections: %+v", st.Rejected)
	})
	if v := b.version("acme/app", "9.9.9"); v.Status == "trusted" || v.Pinned {
		t.Fatalf("B resolves D's acme/app@9.9.9: %+v", v)
	}
	// B finds D's package (D serves it), verifies it against its policy, and
	// keeps nothing: exit 3, untrusted.
	b.fail(3, []string{"not trusted", "acme/app@9.9.9", "untrusted-key", "nothing was kept"},
		"fetch", "acme/app@9.9.9", "--timeout", "5s")
	if v := b.version("acme/app", "9.9.9"); v.Status == "trusted" || v.Pinned {
		t.Fatalf("after the failed fetch, B resolves acme/app@9.9.9: %+v", v)
	}

	logBefore, statBefore := b.ok("log", acmeKey, "--json").stdout, b.snapshot()
	addr := db.addr("/tcp/")
	attacks := []struct {
		mode   string
		extra  []string
		reason []string // what B's validator must have said to the rogue
	}{
		{"malformed", nil, []string{"malformed announcement"}},
		{"badsig", []string{"--as", acmeKey}, []string{"bad announcement signature", "announcement of " + acmeKey}},
		{"flood", nil, []string{"rate limited: signer"}},
		{"fresh-keys", nil, []string{"rate limited: peer"}},
	}
	for _, at := range attacks {
		rogue := runRogue(t, addr, at.mode, at.extra...)
		eventually(t, attackSeen, func() (bool, string) {
			n := len(dropped(db, rogue, at.reason...))
			return n > 0, fmt.Sprintf("B's log has no announcement from the rogue (%s) dropped for %q", at.mode, at.reason)
		})
		t.Logf("%s: B has dropped %d announcements from the rogue so far (%d for %q)",
			at.mode, len(dropped(db, rogue)), len(dropped(db, rogue, at.reason...)), at.reason)
	}

	if db.hasExited() {
		t.Fatalf("B exited with %d under attack", db.exitCode())
	}
	start := time.Now()
	if id := db.idOf(t); !id.Running || id.PeerID != db.id() {
		t.Fatalf("cairn id on B after the attacks: %+v, want daemon %s running", id, db.id())
	}
	took := time.Since(start)
	t.Logf("cairn id on B after the attacks: %s", took.Round(time.Millisecond))
	if took > idAnswer {
		t.Errorf("cairn id on B took %s after the attacks, want under %s", took, idAnswer)
	}
	if got := b.ok("log", acmeKey, "--json").stdout; got != logBefore {
		t.Errorf("acme's log on B changed under attack:\nbefore %s\nafter  %s", logBefore, got)
	}
	if got := b.snapshot(); got != statBefore {
		t.Errorf("B's repo changed under attack:\nbefore %s\nafter  %s", statBefore, got)
	}

	// The honest path still works.
	writeFile(t, src, []byte("acme app 1.0.1"))
	start = time.Now()
	a.publish("acme/app", "1.0.1", []string{src})
	waitPinned(t, b, "acme/app", "1.0.1", mirrorWait)
	t.Logf("acme/app@1.0.1 published on A to pinned on B: %s", time.Since(start).Round(time.Millisecond))
	for _, p := range []string{"panic:", "fatal error:"} {
		if strings.Contains(db.logs(), p) {
			t.Errorf("B's log shows %q", p)
		}
	}
}

// rogueStopTimeout bounds how long a serving rogue takes to stop on SIGTERM.
const rogueStopTimeout = 10 * time.Second

// rogueServer is a running `rogue --mode referrers`, which serves until it is
// stopped.
type rogueServer struct {
	t      *testing.T
	cmd    *exec.Cmd
	id     string
	lines  chan string // its stdout, a line at a time; closed at its end
	stderr syncBuffer
	exited chan struct{}
	err    error // of Wait, once exited is closed
}

// rogueServing and rogueServed are the lines of `rogue --mode referrers`
// once connected and once stopped.
var (
	rogueServing = regexp.MustCompile(`^rogue (\S+) referrers: offering (\d+) metadata sets`)
	rogueServed  = regexp.MustCompile(`^rogue (\S+) referrers: answered (\d+), served (\d+) metadata sets, (\d+) signatures$`)
)

// startRogueReferrers starts the rogue in referrers mode against the daemon
// at addr, offering count metadata sets naming pkg, and waits until it says
// it is connected. It is killed at the end of the test if still running.
func startRogueReferrers(t *testing.T, addr, pkg string, count int) *rogueServer {
	t.Helper()
	if f, err := os.Open(filepath.Join("rogue", "referrers.go")); err == nil {
		f.Close() // so go test's cache sees edits to the rogue (see touchSources)
	}
	r := &rogueServer{t: t, lines: make(chan string, 16), exited: make(chan struct{})}
	r.cmd = exec.Command(rogueBin, "--connect", addr, "--mode", "referrers", "--package", pkg, "--count", fmt.Sprint(count))
	r.cmd.Stderr = &r.stderr
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start rogue: %v", err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		close(r.lines)
		r.err = r.cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-r.exited:
		default:
			r.cmd.Process.Kill()
			<-r.exited
		}
	})
	select {
	case l, ok := <-r.lines:
		m := rogueServing.FindStringSubmatch(l)
		if !ok || m == nil {
			<-r.exited
			t.Fatalf("rogue --mode referrers: unexpected first line %q (%v)\nstderr:\n%s", l, r.err, r.stderr.String())
		}
		r.id = m[1]
		t.Log(l)
	case <-time.After(rogueTimeout):
		t.Fatalf("rogue --mode referrers not connected within %s\nstderr:\n%s", rogueTimeout, r.stderr.String())
	}
	return r
}

// stop stops the rogue with SIGTERM and returns how many answers it gave
// for its package, and how many metadata sets and signatures bitswap sent.
func (r *rogueServer) stop() (answered, metas, sigs int) {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		r.t.Fatalf("signal rogue: %v", err)
	}
	var last string
	deadline := time.After(rogueStopTimeout)
	for done := false; !done; {
		select {
		case l, ok := <-r.lines:
			if !ok {
				done = true
				break
			}
			last = l
		case <-deadline:
			r.t.Fatalf("rogue still running %s after SIGTERM", rogueStopTimeout)
		}
	}
	<-r.exited
	m := rogueServed.FindStringSubmatch(last)
	if r.err != nil || m == nil {
		r.t.Fatalf("rogue --mode referrers: %v, last line %q\nstderr:\n%s", r.err, last, r.stderr.String())
	}
	r.t.Log(last)
	fmt.Sscan(m[2], &answered)
	fmt.Sscan(m[3], &metas)
	fmt.Sscan(m[4], &sigs)
	return answered, metas, sigs
}

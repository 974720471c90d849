package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Bounds of the daemon harness. Starting takes well under a second on a
// quiet machine; the deadlines leave room for a loaded CI runner.
const (
	daemonStartTimeout = 20 * time.Second
	daemonStopTimeout  = 10 * time.Second
	pollInterval       = 25 * time.Millisecond
)

// daemonArgs run a daemon on loopback only, on ports the OS chooses.
var daemonArgs = []string{
	"daemon",
	"--listen", "/ip4/127.0.0.1/tcp/0",
	"--listen", "/ip4/127.0.0.1/udp/0/quic-v1",
	"--api", "127.0.0.1:0",
	"--gateway", "127.0.0.1:0",
	"--log-level", "debug",
}

// daemonInfo is daemon.json.
type daemonInfo struct {
	PID     int       `json:"pid"`
	PeerID  string    `json:"peerID"`
	Addrs   []string  `json:"addrs"`
	API     string    `json:"api"`
	Gateway string    `json:"gateway"`
	Started time.Time `json:"started"`
}

// idJSON is the --json output of cairn id.
type idJSON struct {
	PeerID    string   `json:"peerID"`
	Addrs     []string `json:"addrs"`
	API       string   `json:"api"`
	Gateway   string   `json:"gateway"`
	Agent     string   `json:"agent"`
	Protocols []string `json:"protocols"`
	Running   bool     `json:"running"`
}

// peerJSON is one entry of the --json output of cairn peers.
type peerJSON struct {
	PeerID  string `json:"peerID"`
	Addr    string `json:"addr"`
	Latency string `json:"latency"`
}

// syncBuffer is a bytes.Buffer safe for one writer (the process's output)
// and readers in the test at the same time.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// daemon is one `cairn daemon` process on a repo.
type daemon struct {
	t      *testing.T
	r      *repo
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	exited chan struct{} // closed once the process has exited and its output is in
	state  *os.ProcessState
	ready  daemonInfo // daemon.json as the daemon wrote it once ready
}

// startDaemon starts `cairn daemon` on r (daemonArgs, then extraArgs) and
// waits until it is ready: daemon.json names its pid and cairn id finds it
// running. The daemon is stopped when the test ends (SIGTERM, then SIGKILL);
// if the test failed, its log is printed.
func startDaemon(t *testing.T, r *repo, extraArgs ...string) *daemon {
	t.Helper()
	d := spawnDaemon(t, r, extraArgs...)
	d.waitReady()
	return d
}

// spawnDaemon starts `cairn daemon` on r like startDaemon, without waiting
// for it to be ready: for daemons that are expected to fail.
func spawnDaemon(t *testing.T, r *repo, extraArgs ...string) *daemon {
	t.Helper()
	touchOnce.Do(touchSources)
	d := &daemon{t: t, r: r.on(t), exited: make(chan struct{})}
	d.cmd = exec.Command(cairnBin, append(slices.Clone(daemonArgs), extraArgs...)...)
	d.cmd.Env = append(os.Environ(), "CAIRN_REPO="+r.dir)
	d.cmd.Stdout, d.cmd.Stderr = &d.stdout, &d.stderr
	d.cmd.WaitDelay = 5 * time.Second // bounds Wait should a child hold the pipes
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start cairn daemon: %v", err)
	}
	go func() {
		d.cmd.Wait()
		d.state = d.cmd.ProcessState
		close(d.exited)
	}()
	t.Cleanup(func() {
		if !d.hasExited() {
			code, err := d.shutdown(syscall.SIGTERM)
			switch {
			case err != nil:
				t.Errorf("at the end of the test: %v", err)
			case code != 0:
				t.Errorf("at the end of the test: cairn daemon exited %d on SIGTERM", code)
			}
		}
		if t.Failed() {
			t.Logf("log of cairn daemon (pid %d, repo %s):\n%s", d.cmd.Process.Pid, r.dir, d.logs())
		}
	})
	return d
}

// waitReady waits until daemon.json names this process and cairn id finds the
// daemon running, and records daemon.json.
func (d *daemon) waitReady() {
	d.t.Helper()
	deadline := time.Now().Add(daemonStartTimeout)
	last := "nothing checked yet"
	for {
		if d.hasExited() {
			d.t.Fatalf("cairn daemon exited with %d before it was ready", d.exitCode())
		}
		info, err := readDaemonJSON(d.r.dir)
		switch {
		case err != nil:
			last = fmt.Sprintf("daemon.json: %v", err)
		case info.PID != d.cmd.Process.Pid:
			last = fmt.Sprintf("daemon.json names pid %d", info.PID)
		default:
			var id idJSON
			res := d.r.run("id", "--json")
			if res.code == 0 && json.Unmarshal([]byte(res.stdout), &id) == nil && id.Running && id.PeerID == info.PeerID {
				d.ready = info
				return
			}
			last = fmt.Sprintf("daemon.json is there but %s", res)
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("cairn daemon (pid %d) not ready within %s; last: %s", d.cmd.Process.Pid, daemonStartTimeout, last)
		}
		time.Sleep(pollInterval)
	}
}

// readDaemonJSON reads and decodes the daemon.json of the repo in dir.
func readDaemonJSON(dir string) (daemonInfo, error) {
	var info daemonInfo
	data, err := os.ReadFile(filepath.Join(dir, "daemon.json"))
	if err != nil {
		return info, err
	}
	err = json.Unmarshal(data, &info)
	return info, err
}

// info returns daemon.json as the daemon wrote it when it became ready.
func (d *daemon) info() daemonInfo { return d.ready }

// id returns the daemon's peer ID.
func (d *daemon) id() string { return d.ready.PeerID }

// addr returns the daemon's first address whose transport part contains
// proto ("/tcp/", "/quic-v1"), with /p2p/ID.
func (d *daemon) addr(proto string) string {
	d.t.Helper()
	for _, a := range d.ready.Addrs {
		if strings.Contains(a, proto) {
			return a
		}
	}
	d.t.Fatalf("daemon %s has no %s address: %v", d.id(), proto, d.ready.Addrs)
	return ""
}

// logs returns what the daemon wrote so far, stderr then stdout.
func (d *daemon) logs() string {
	out := d.stderr.String()
	if s := d.stdout.String(); s != "" {
		out += "\nstdout:\n" + s
	}
	return out
}

// hasExited reports whether the process has exited.
func (d *daemon) hasExited() bool {
	select {
	case <-d.exited:
		return true
	default:
		return false
	}
}

// exitCode is the exit code of the exited process, 128+N if signal N killed it.
func (d *daemon) exitCode() int {
	<-d.exited
	if ws, ok := d.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return d.state.ExitCode()
}

// wait waits up to timeout for the process to exit and returns its exit code.
func (d *daemon) wait(timeout time.Duration) (int, bool) {
	select {
	case <-d.exited:
		return d.exitCode(), true
	case <-time.After(timeout):
		return 0, false
	}
}

// stop stops the daemon with SIGTERM and returns its exit code; after a
// clean stop (exit 0) daemon.json must be gone.
func (d *daemon) stop() int {
	d.t.Helper()
	return d.stopWith(syscall.SIGTERM)
}

// stopWith is stop with another signal.
func (d *daemon) stopWith(sig syscall.Signal) int {
	d.t.Helper()
	code, err := d.shutdown(sig)
	if err != nil {
		d.t.Fatal(err)
	}
	return code
}

// shutdown sends sig and waits for the daemon to exit, killing it after
// daemonStopTimeout. It fails if the daemon needed killing, or exited 0 but
// left daemon.json behind.
func (d *daemon) shutdown(sig syscall.Signal) (int, error) {
	if err := d.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return 0, fmt.Errorf("signal cairn daemon (pid %d): %v", d.cmd.Process.Pid, err)
	}
	code, ok := d.wait(daemonStopTimeout)
	if !ok {
		d.cmd.Process.Kill()
		<-d.exited
		return d.exitCode(), fmt.Errorf("cairn daemon (pid %d) still running %s after %s; killed", d.cmd.Process.Pid, daemonStopTimeout, signalName(sig))
	}
	if code == 0 {
		if _, err := os.Stat(filepath.Join(d.r.dir, "daemon.json")); !errors.Is(err, os.ErrNotExist) {
			return code, fmt.Errorf("cairn daemon exited 0 on %s but daemon.json is still there (stat: %v)", signalName(sig), err)
		}
	}
	return code, nil
}

// signalName names the signals the harness sends.
func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGKILL:
		return "SIGKILL"
	}
	return sig.String()
}

// kill kills the daemon with SIGKILL and waits for it to be gone.
func (d *daemon) kill() {
	d.t.Helper()
	if err := d.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		d.t.Fatalf("kill cairn daemon (pid %d): %v", d.cmd.Process.Pid, err)
	}
	if _, ok := d.wait(daemonStopTimeout); !ok {
		d.t.Fatalf("cairn daemon (pid %d) survived SIGKILL for %s", d.cmd.Process.Pid, daemonStopTimeout)
	}
}

// idOf runs cairn id --json on d's repo.
func (d *daemon) idOf(t *testing.T) idJSON {
	t.Helper()
	var id idJSON
	d.r.on(t).json(&id, "id")
	return id
}

// peers runs cairn peers --json on d's repo.
func (d *daemon) peers(t *testing.T) []peerJSON {
	t.Helper()
	var ps []peerJSON
	d.r.on(t).json(&ps, "peers")
	return ps
}

// peerSet returns the distinct peer IDs of ps, sorted.
func peerSet(ps []peerJSON) []string {
	var ids []string
	for _, p := range ps {
		if !slices.Contains(ids, p.PeerID) {
			ids = append(ids, p.PeerID)
		}
	}
	slices.Sort(ids)
	return ids
}

// connect has a dial b on b's first TCP address and waits until each lists
// the other among its peers.
func connect(t *testing.T, a, b *daemon) {
	t.Helper()
	connectVia(t, a, b, b.addr("/tcp/"))
}

// connectVia is connect on a given address of b.
func connectVia(t *testing.T, a, b *daemon, addr string) {
	t.Helper()
	a.r.on(t).ok("connect", addr)
	eventually(t, 10*time.Second, func() (bool, string) {
		pa, pb := peerSet(a.peers(t)), peerSet(b.peers(t))
		return slices.Contains(pa, b.id()) && slices.Contains(pb, a.id()),
			fmt.Sprintf("%s lists %v, %s lists %v", a.id(), pa, b.id(), pb)
	})
}

// eventually polls cond until it holds, failing the test with cond's last
// description if it does not within timeout.
func eventually(t *testing.T, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not so after %s: %s", timeout, state)
		}
		time.Sleep(pollInterval)
	}
}

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dirSize sums the sizes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// noPackFiles fails if the store holds a pack file (docs/repo.md §4): after
// a publish that did not commit, opening the repo must have removed its pack,
// which repo stat (and so snapshot) does not see.
func noPackFiles(t *testing.T, r *repo) {
	t.Helper()
	packs, err := filepath.Glob(filepath.Join(r.dir, "store", "packs", "*.pack"))
	if err != nil || len(packs) != 0 {
		t.Fatalf("pack files left after the rollback: %v %v", packs, err)
	}
}

// interruptPublish starts publishing a large file, waits until the store has
// grown by some blocks (so the publish is part way), and sends sig. It watches
// the pack files, where the file's 1 MiB chunks go (docs/repo.md §4): the
// whole store directory grows by more than 32 MiB as soon as badger opens,
// since its value log is a sparse file, so it would not tell.
func interruptPublish(t *testing.T, r *repo, sig syscall.Signal) (exitCode int, stderr string) {
	t.Helper()
	return interruptPublishAfter(t, r, sig, nil)
}

// interruptPublishAfter is interruptPublish that runs during(), if not nil,
// while the publish holds the repo, before sending sig.
func interruptPublishAfter(t *testing.T, r *repo, sig syscall.Signal, during func()) (exitCode int, stderr string) {
	t.Helper()
	big := sharedBigFile(t)
	packsDir := filepath.Join(r.dir, "store", "packs")
	base := dirSize(packsDir)
	cmd := exec.Command(cairnBin, "publish", big, "--name", "acme/big", "--version", "1.0.0")
	cmd.Env = append(os.Environ(), "CAIRN_REPO="+r.dir)
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for dirSize(packsDir) < base+32<<20 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("publish wrote nothing within 60s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if during != nil {
		during()
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	}
	return code, errBuf.String()
}

// TestCrashDuringPublish kills a publish part way with SIGKILL: the next command
// rolls the partial import back, and the repo is as it was.
func TestCrashDuringPublish(t *testing.T) {
	if testing.Short() {
		t.Skip("large publish skipped in -short mode")
	}
	r := newRepo(t)
	before := r.snapshot()
	code, _ := interruptPublish(t, r, syscall.SIGKILL)
	if code != 128+int(syscall.SIGKILL) {
		t.Fatalf("publish was not killed part way (exit %d)", code)
	}
	if after := r.snapshot(); after != before {
		t.Fatalf("repo changed by a killed publish:\nbefore %s\nafter  %s", before, after)
	}
	noPackFiles(t, r)
	r.fail(4, []string{"no package acme/big@1.0.0"}, "inspect", "acme/big@1.0.0")
}

// TestInterruptDuringPublish stops a publish with SIGINT: it rolls back, says
// so, and exits 130.
func TestInterruptDuringPublish(t *testing.T) {
	if testing.Short() {
		t.Skip("large publish skipped in -short mode")
	}
	r := newRepo(t)
	before := r.snapshot()
	code, stderr := interruptPublish(t, r, syscall.SIGINT)
	if code != 130 || !strings.Contains(stderr, "interrupted") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if after := r.snapshot(); after != before {
		t.Fatalf("repo changed by an interrupted publish:\nbefore %s\nafter  %s", before, after)
	}
	noPackFiles(t, r)
}

// TestRepoLocked: while one process holds the repo (a publish part way), a
// second gets "repo is locked" and exit 5, and changes nothing.
func TestRepoLocked(t *testing.T) {
	if testing.Short() {
		t.Skip("large publish skipped in -short mode")
	}
	r := newRepo(t)
	before := r.snapshot()
	interruptPublishAfter(t, r, syscall.SIGKILL, func() {
		res := r.fail(5, []string{"repo is locked", "cairn process"}, "ls")
		if res.stdout != "" {
			t.Errorf("a locked-out command printed on stdout: %q", res.stdout)
		}
		r.fail(5, []string{"repo is locked"}, "publish", cairnBin, "--name", "acme/x", "--version", "1.0.0")
	})
	if after := r.snapshot(); after != before {
		t.Fatalf("repo changed:\nbefore %s\nafter  %s", before, after)
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestProfileEnv: CAIRN_CPUPROFILE, CAIRN_MEMPROFILE and CAIRN_TRACE write a
// CPU profile, a heap profile and an
// execution trace of the command; a path that cannot be created is exit 1.
func TestProfileEnv(t *testing.T) {
	dir := t.TempDir()
	prof, mem, tr := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof"), filepath.Join(dir, "exec.trace")
	t.Setenv("CAIRN_CPUPROFILE", prof)
	t.Setenv("CAIRN_MEMPROFILE", mem)
	t.Setenv("CAIRN_TRACE", tr)
	if code := run([]string{"--repo", filepath.Join(dir, "repo"), "init"}); code != exitOK {
		t.Fatalf("init with profiling: exit %d", code)
	}
	// A pprof profile is gzipped; a trace starts with its version header.
	if b, err := os.ReadFile(prof); err != nil || !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Fatalf("CPU profile: %v, %d bytes", err, len(b))
	}
	if b, err := os.ReadFile(mem); err != nil || !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Fatalf("heap profile: %v, %d bytes", err, len(b))
	}
	if b, err := os.ReadFile(tr); err != nil || !bytes.HasPrefix(b, []byte("go 1.")) {
		t.Fatalf("trace: %v, starts %q", err, b[:min(len(b), 16)])
	}

	t.Setenv("CAIRN_CPUPROFILE", "")
	t.Setenv("CAIRN_MEMPROFILE", "")
	t.Setenv("CAIRN_TRACE", filepath.Join(dir, "missing", "exec.trace"))
	if code := run([]string{"--repo", filepath.Join(dir, "repo2"), "init"}); code != exitError {
		t.Fatalf("CAIRN_TRACE in a missing directory: exit %d, want %d", code, exitError)
	}
	if _, err := os.Stat(filepath.Join(dir, "repo2")); err == nil {
		t.Fatal("the command ran although its trace could not be written")
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cairnpkg/cairn/node"
)

func TestConfirm(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"y\n", true},
		{"yes\n", true},
		{"Y\n", true},
		{" YES \n", true},
		{"yes", true}, // input ends without a newline
		{"n\n", false},
		{"no\n", false},
		{"\n", false},
		{"", false},
		{"yess\n", false},
		{"ye\n", false},
		{"sure\n", false},
		{"\ny\n", false}, // only the first line is the answer
	} {
		var prompt bytes.Buffer
		in := strings.NewReader(tc.in)
		got, err := (&terminal{in: in, out: &prompt}).confirm("remove?")
		if err != nil || got != tc.want {
			t.Errorf("answer %q: confirm = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if !strings.HasPrefix(prompt.String(), "remove? [y/N] ") {
			t.Errorf("answer %q: prompt %q", tc.in, prompt.String())
		}
		// Nothing past the answer's line is taken from the input.
		if first, rest, found := strings.Cut(tc.in, "\n"); found && in.Len() != len(rest) {
			t.Errorf("answer %q: confirm read %d bytes past %q", tc.in, len(rest)-in.Len(), first)
		}
	}
	boom := errors.New("boom")
	if ok, err := (&terminal{in: iotest.ErrReader(boom), out: io.Discard}).confirm("remove?"); ok || !errors.Is(err, boom) {
		t.Errorf("confirm on a failing reader = %v, %v; want false, boom", ok, err)
	}
}

// keyRepo makes a repo with the default key and a key "old".
func keyRepo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	if _, err := node.Init(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, &globalOptions{}, dir, "key", "gen", "old")
	if res.code != exitOK {
		t.Fatalf("key gen: %+v", res)
	}
	return dir
}

func keyFileExists(t *testing.T, dir, name string) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(dir, node.KeysDir, name+".key"))
	return err == nil
}

// TestKeyRmConfirmation: key rm removes a key only when the user at the
// terminal says yes or --yes was given; where nobody can answer, it asks for
// --yes.
func TestKeyRmConfirmation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		term    *terminal // nil: stdin is not a terminal
		args    []string
		code    int
		removed bool
		stderr  string
	}{
		{"yes", &terminal{in: strings.NewReader("yes\n")}, nil, exitOK, true, `remove key "old" (did:key:z6Mk`},
		{"y", &terminal{in: strings.NewReader("y\n")}, nil, exitOK, true, "[y/N]"},
		{"no", &terminal{in: strings.NewReader("n\n")}, nil, exitError, false, `key "old" not removed`},
		{"empty answer", &terminal{in: strings.NewReader("\n")}, nil, exitError, false, `key "old" not removed`},
		{"end of input", &terminal{in: strings.NewReader("")}, nil, exitError, false, `key "old" not removed`},
		{"no terminal", nil, nil, exitUsage, false, "pass --yes"},
		{"no terminal --yes", nil, []string{"--yes"}, exitOK, true, ""},
		{"terminal --yes does not ask", &terminal{in: iotest.ErrReader(errors.New("asked"))}, []string{"-y"}, exitOK, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := keyRepo(t)
			var prompt bytes.Buffer
			g := &globalOptions{term: tc.term}
			if tc.term != nil {
				tc.term.out = &prompt
			}
			res := runCLI(t, g, dir, append([]string{"key", "rm", "old"}, tc.args...)...)
			if res.code != tc.code {
				t.Fatalf("exit %d, want %d: %+v", res.code, tc.code, res)
			}
			if got := !keyFileExists(t, dir, "old"); got != tc.removed {
				t.Errorf("removed = %v, want %v", got, tc.removed)
			}
			if !strings.Contains(prompt.String()+res.stderr, tc.stderr) {
				t.Errorf("prompt and stderr %q do not say %q", prompt.String()+res.stderr, tc.stderr)
			}
			if tc.removed && !strings.Contains(res.stdout, `removed key "old"`) {
				t.Errorf("stdout %q does not say it removed the key", res.stdout)
			}
			if tc.args == nil && tc.term != nil && prompt.Len() == 0 {
				t.Error("removed without asking")
			}
		})
	}
}

// TestKeyRmThroughDaemon: a command the daemon runs cannot ask; without
// --yes it says so.
func TestKeyRmThroughDaemon(t *testing.T) {
	dir := keyRepo(t)
	r, err := node.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res := runCLI(t, &globalOptions{held: r}, dir, "key", "rm", "old")
	if res.code != exitUsage || !strings.Contains(res.stderr, "through the daemon") || !strings.Contains(res.stderr, "--yes") {
		t.Fatalf("key rm through the daemon without --yes: %+v", res)
	}
	if !keyFileExists(t, dir, "old") {
		t.Fatal("key removed without --yes")
	}
	if res := runCLI(t, &globalOptions{held: r}, dir, "key", "rm", "old", "--yes", "--json"); res.code != exitOK ||
		!strings.Contains(res.stdout, `"removed": true`) || keyFileExists(t, dir, "old") {
		t.Fatalf("key rm through the daemon with --yes: %+v", res)
	}
}

// TestKeyRmRefuses: an unknown key is not found (exit 4), whatever the
// answer would be; the default key needs --force-default.
func TestKeyRmRefuses(t *testing.T) {
	dir := keyRepo(t)
	if res := runCLI(t, &globalOptions{}, dir, "key", "rm", "nosuch"); res.code != exitNotFound {
		t.Errorf("key rm nosuch: %+v, want exit 4", res)
	}
	res := runCLI(t, &globalOptions{}, dir, "key", "rm", "default", "--yes")
	if res.code != exitError || !strings.Contains(res.stderr, "--force-default") || !keyFileExists(t, dir, "default") {
		t.Errorf("key rm default --yes: %+v, want exit 1 naming --force-default, key kept", res)
	}
	res = runCLI(t, &globalOptions{}, dir, "key", "rm", "default", "--yes", "--force-default")
	if res.code != exitOK || keyFileExists(t, dir, "default") || !strings.Contains(res.stderr, "default_key") {
		t.Errorf("key rm default --yes --force-default: %+v, want removed with a warning about default_key", res)
	}
}

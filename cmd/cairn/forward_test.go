package main

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestCommandLineMakesPathsAbsolute(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string { return filepath.Join(wd, p) }
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{
			[]string{"--repo", "/r", "publish", "a.wasm", "dir/", "--name", "acme/a", "--version", "1.0.0", "--meta", "m.toml", "--meta", "/abs/n.json", "--key", "ci", "--json"},
			[]string{"publish", "--json=true", "--key=ci", "--meta=" + abs("m.toml"), "--meta=/abs/n.json", "--name=acme/a", "--version=1.0.0", "--", abs("a.wasm"), abs("dir")},
		},
		{
			[]string{"publish", "x", "--name", "acme/a", "--version", "1.0.0", "--key", "keys/ci.pem"},
			[]string{"publish", "--key=" + abs("keys/ci.pem"), "--name=acme/a", "--version=1.0.0", "--", abs("x")},
		},
		{
			[]string{"get", "acme/a@1.0.0", "-o", "out.bin", "--force"},
			[]string{"get", "--force=true", "--output=" + abs("out.bin"), "--", "acme/a@1.0.0"},
		},
		{
			[]string{"verify", "acme/a@1.0.0", "--policy", "p.toml"},
			[]string{"verify", "--policy=" + abs("p.toml"), "--", "acme/a@1.0.0"},
		},
		{
			[]string{"trust", "add", "acme/*", "did:key:z6Mk", "--threshold", "2"},
			[]string{"trust", "add", "--threshold=2", "--", "acme/*", "did:key:z6Mk"},
		},
		{
			[]string{"key", "revoke", "ci", "--reason", "lost", "--export", "ci.rev"},
			[]string{"key", "revoke", "--export=" + abs("ci.rev"), "--reason=lost", "--", "ci"},
		},
		{
			[]string{"key", "revoke", "--from", "ci.rev"},
			[]string{"key", "revoke", "--from=" + abs("ci.rev"), "--"},
		},
		{
			[]string{"meta", "add", "acme/a@1.0.0", "--meta", "r.toml", "--kind", "review"},
			[]string{"meta", "add", "--kind=review", "--meta=" + abs("r.toml"), "--", "acme/a@1.0.0"},
		},
	} {
		root := newRootCmd(&globalOptions{stdout: io.Discard, stderr: io.Discard})
		cmd, rest, err := root.Find(tc.args)
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Fatal(err)
		}
		got, err := commandLine(cmd)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v\n got  %q\n want %q", tc.args, got, tc.want)
		}
	}
}

func TestDaemonRefusesCommandsThatDoNotForward(t *testing.T) {
	for _, name := range []string{"daemon", "init"} {
		res := runForCLI(t.Context(), nil, nil, []string{name})
		if res.Code != exitUsage || res.Stdout != "" {
			t.Errorf("%s through the daemon: %+v", name, res)
		}
	}
}

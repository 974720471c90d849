package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeyRevokeUsage: combinations that make no revocation are usage
// errors, before the repo is opened.
func TestKeyRevokeUsage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no-repo") // never opened
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"old"}, "needs --reason"},
		{[]string{"old", "--reason", " "}, "--reason is empty"},
		{[]string{"--reason", "x"}, "expects a key name, or --from FILE"},
		{[]string{"old", "--reason", "x", "--force"}, "--force only replaces an --export FILE"},
		{[]string{"old", "--reason", "x", "--export", ""}, "--export needs a FILE"},
		{[]string{"old", "--from", "f"}, "takes no key name"},
		{[]string{"--from", "f", "--reason", "x"}, "takes no --reason"},
		{[]string{"--from", "f", "--since", "3"}, "takes no --since"},
		{[]string{"--from", "f", "--export", "g"}, "takes no --export"},
		{[]string{"--from", ""}, "--from needs a FILE"},
		{[]string{"a", "b", "--reason", "x"}, "expects"},
	} {
		res := runCLI(t, &globalOptions{}, dir, append([]string{"key", "revoke"}, tc.args...)...)
		if res.code != exitUsage || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("key revoke %q: %+v, want exit 2 saying %q", tc.args, res, tc.want)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("a usage error opened (and made) the repo")
	}
}

package sign

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// savedPolicy saves a one-rule policy at dir/policy.toml and returns the path.
func savedPolicy(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "policy.toml")
	p := &Policy{Version: 1, Rules: []Rule{{Pattern: "acme/*", Keys: []string{did1}, Threshold: 1}}}
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadPolicyRefusesWritableByOthers: like ssh with authorized_keys, a
// policy that group or others may write is refused, naming the file, its mode
// and the fix; a file only its owner may write loads.
func TestLoadPolicyRefusesWritableByOthers(t *testing.T) {
	for _, tc := range []struct {
		mode os.FileMode
		ok   bool
	}{
		{0o644, true}, {0o600, true}, {0o444, true}, {0o640, true}, {0o604, true},
		{0o664, false}, {0o646, false}, {0o666, false}, {0o620, false}, {0o602, false},
	} {
		t.Run(fmt.Sprintf("%04o", tc.mode), func(t *testing.T) {
			path := savedPolicy(t, t.TempDir())
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			_, err := LoadPolicy(path)
			if tc.ok {
				if err != nil {
					t.Fatalf("LoadPolicy(mode %04o) = %v, want the policy", tc.mode, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("LoadPolicy(mode %04o) = %v, want ErrInvalidPolicy", tc.mode, err)
			}
			for _, want := range []string{path, fmt.Sprintf("mode %04o", tc.mode), "chmod go-w " + path} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// TestLoadPolicySymlink: a link is followed; the file it leads to is the one
// checked, and the error names both and tells to chmod the target.
func TestLoadPolicySymlink(t *testing.T) {
	dir := t.TempDir()
	target := savedPolicy(t, filepath.Join(dir))
	link := filepath.Join(t.TempDir(), "link.toml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPolicy(link); err != nil {
		t.Fatalf("LoadPolicy(link to a 0644 policy) = %v", err)
	}
	if err := os.Chmod(target, 0o664); err != nil {
		t.Fatal(err)
	}
	_, err := LoadPolicy(link)
	if !errors.Is(err, ErrInvalidPolicy) {
		t.Fatalf("LoadPolicy(link to a 0664 policy) = %v, want ErrInvalidPolicy", err)
	}
	for _, want := range []string{link, "a link to " + target, "mode 0664", "chmod go-w " + target} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	dangling := filepath.Join(t.TempDir(), "dangling.toml")
	if err := os.Symlink(filepath.Join(dir, "gone.toml"), dangling); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPolicy(dangling); !errors.Is(err, ErrInvalidPolicy) || !strings.Contains(err.Error(), dangling) {
		t.Errorf("LoadPolicy(dangling link) = %v, want ErrInvalidPolicy naming it", err)
	}
}

// TestLoadPolicyNotRegular: a directory or a named pipe is refused, the pipe
// without opening it (which would block until a writer came).
func TestLoadPolicyNotRegular(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadPolicy(dir); !errors.Is(err, ErrInvalidPolicy) || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("LoadPolicy(directory) = %v, want ErrInvalidPolicy, not a regular file", err)
	}
	pipe := filepath.Join(dir, "pipe.toml")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := LoadPolicy(pipe)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrInvalidPolicy) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("LoadPolicy(fifo) = %v, want ErrInvalidPolicy, not a regular file", err)
		}
	case <-time.After(5 * time.Second):
		if f, err := os.OpenFile(pipe, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		<-done
		t.Fatal("LoadPolicy(fifo) blocked: it opened the pipe before checking that it is a regular file")
	}
}

// TestPolicySaveIgnoresUmask: the policy is written 0644 whatever the umask,
// so a permissive umask never makes a policy LoadPolicy refuses, and a strict
// one never hides it. Not parallel: the umask belongs to the process.
func TestPolicySaveIgnoresUmask(t *testing.T) {
	for _, mask := range []int{0o000, 0o002, 0o077} {
		t.Run(fmt.Sprintf("umask %04o", mask), func(t *testing.T) {
			old := syscall.Umask(mask)
			defer syscall.Umask(old)
			path := savedPolicy(t, t.TempDir())
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o644 {
				t.Errorf("under umask %04o Save wrote mode %04o, want 0644", mask, st.Mode().Perm())
			}
		})
	}
}

func TestSetMaxAge(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"48h", "48h", true},
		{"90m", "90m", true},
		{"0", "", true},
		{"0s", "", true},
		{"", "", true},
		{"-1h", "48h", false},
		{"soon", "48h", false},
		{"48", "48h", false},
	} {
		p := &Policy{Version: 1, Rules: []Rule{{Pattern: "acme/*", Keys: []string{did1}, Threshold: 1, MaxAge: "48h"}}}
		err := p.SetMaxAge("acme/*", tc.in)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalidPolicy)) {
			t.Errorf("SetMaxAge(%q) = %v, want ok = %v", tc.in, err, tc.ok)
		}
		if got := p.Rules[0].MaxAge; got != tc.want {
			t.Errorf("SetMaxAge(%q): max_age %q, want %q", tc.in, got, tc.want)
		}
		if err == nil {
			if verr := p.Validate(); verr != nil {
				t.Errorf("SetMaxAge(%q) left an invalid policy: %v", tc.in, verr)
			}
		}
	}
	p := &Policy{Version: 1}
	if err := p.SetMaxAge("acme/*", "1h"); !errors.Is(err, ErrInvalidPolicy) {
		t.Errorf("SetMaxAge on a missing rule = %v, want ErrInvalidPolicy", err)
	}
}

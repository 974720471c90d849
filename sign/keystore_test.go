package sign

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func openStore(t *testing.T) (*KeyStore, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "keys")
	s, err := OpenKeyStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// leftovers lists the files of dir that are not NAME.key files.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestOpenKeyStoreCreatesPrivateDir(t *testing.T) {
	_, dir := openStore(t)
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !st.IsDir() || st.Mode().Perm()&0o077 != 0 {
		t.Errorf("key store dir mode %v, want a directory others cannot read", st.Mode())
	}
	// Opening again is fine and keeps the keys.
	s, err := OpenKeyStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if names, err := s.List(); err != nil || len(names) != 0 {
		t.Errorf("List of a new store = %v, %v", names, err)
	}
}

func TestKeyStoreGenerate(t *testing.T) {
	s, dir := openStore(t)
	k, err := s.Generate("release")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "release.key")
	if s.Path("release") != path {
		t.Errorf("Path(release) = %q, want %q", s.Path("release"), path)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("Generate did not create %s: %v", path, err)
	}
	if st.Mode() != 0o600 {
		t.Errorf("%s mode %v, want -rw------- (0600)", path, st.Mode())
	}
	got, err := s.Get("release")
	if err != nil {
		t.Fatal(err)
	}
	if got.DID() != k.DID() {
		t.Errorf("Get returned %s, Generate %s", got.DID(), k.DID())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if pk, err := ParseKeyPEM(data); err != nil || pk.DID() != k.DID() {
		t.Errorf("the key file is not the PEM of the key: %v", err)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("temporary files left behind: %v", l)
	}
}

func TestKeyStoreGenerateNeverReplaces(t *testing.T) {
	s, dir := openStore(t)
	first, err := s.Generate("k")
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(s.Path("k"))
	if err != nil {
		t.Fatal(err)
	}
	k2, err := s.Generate("k")
	if !errors.Is(err, ErrKeyExists) {
		t.Fatalf("Generate twice = %v, %v; want ErrKeyExists", k2, err)
	}
	if k2 != nil {
		t.Error("Generate returned a key with ErrKeyExists")
	}
	if err := s.Put("k", testKey(t, 9)); !errors.Is(err, ErrKeyExists) {
		t.Errorf("Put over an existing key = %v, want ErrKeyExists", err)
	}
	after, err := os.ReadFile(s.Path("k"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the first key's file changed")
	}
	got, err := s.Get("k")
	if err != nil {
		t.Fatal(err)
	}
	if got.DID() != first.DID() {
		t.Errorf("Get = %s after a refused Generate, want the first key %s", got.DID(), first.DID())
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("temporary files left behind by the refused writes: %v", l)
	}
}

func TestKeyStorePutGet(t *testing.T) {
	s, _ := openStore(t)
	k := testKey(t, 4)
	if err := s.Put("fixture", k); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get("fixture")
	if err != nil {
		t.Fatal(err)
	}
	if got.DID() != k.DID() {
		t.Errorf("Get = %s, want %s", got.DID(), k.DID())
	}
}

func TestKeyStoreList(t *testing.T) {
	s, dir := openStore(t)
	names := []string{"zeta", "Alpha", "beta", "a.b", "_x", "0", "release-2026"}
	for _, n := range names {
		if _, err := s.Generate(n); err != nil {
			t.Fatal(err)
		}
	}
	// Things List must not report.
	for _, f := range []string{"notes.txt", "k.pem", ".tmp-zeta-123", "bad name.key", ".key"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.key"), 0o700); err != nil {
		t.Fatal(err)
	}
	got, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(names)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q (sorted, keys only)", got, want)
	}
}

func TestKeyStoreGetUnknown(t *testing.T) {
	s, _ := openStore(t)
	if _, err := s.Generate("known"); err != nil {
		t.Fatal(err)
	}
	k, err := s.Get("unknown")
	if !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("Get(unknown) = %v, %v; want ErrKeyNotFound", k, err)
	}
	if !strings.Contains(err.Error(), "unknown") {
		t.Errorf("error %q does not name the key", err)
	}
}

func TestKeyNames(t *testing.T) {
	valid := []string{"a", "A", "0", "release", "ci-2026.01_x", strings.Repeat("k", 64), "...", ".hidden", "-"}
	for _, n := range valid {
		if err := CheckKeyName(n); err != nil {
			t.Errorf("CheckKeyName(%q) = %v, want nil", n, err)
		}
	}
	invalid := []string{
		"", ".", "..", "../x", "a/b", "/abs", `a\b`, strings.Repeat("k", 65),
		"a b", "a\x00b", "a\nb", "é", "key*", "~",
	}
	s, dir := openStore(t)
	for _, n := range invalid {
		t.Run(n, func(t *testing.T) {
			if err := CheckKeyName(n); !errors.Is(err, ErrInvalidKeyName) {
				t.Errorf("CheckKeyName(%q) = %v, want ErrInvalidKeyName", n, err)
			}
			if k, err := s.Generate(n); !errors.Is(err, ErrInvalidKeyName) {
				t.Errorf("Generate(%q) = %v, %v; want ErrInvalidKeyName", n, k, err)
			}
			if err := s.Put(n, testKey(t, 1)); !errors.Is(err, ErrInvalidKeyName) {
				t.Errorf("Put(%q) = %v, want ErrInvalidKeyName", n, err)
			}
			if k, err := s.Get(n); !errors.Is(err, ErrInvalidKeyName) {
				t.Errorf("Get(%q) = %v, %v; want ErrInvalidKeyName", n, k, err)
			}
		})
	}
	// Nothing escaped the store, nothing was written into it.
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("invalid names wrote files: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "x.key")); err == nil {
		t.Error(`Generate("../x") wrote outside the key store`)
	}
}

// writeKeyFile writes k's PEM to path with mode.
func writeKeyFile(t *testing.T, path string, k *Key, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, mustPEM(t, k), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestLoadKeyFilePermissions(t *testing.T) {
	dir := t.TempDir()
	k := testKey(t, 5)
	for _, tc := range []struct {
		mode os.FileMode
		ok   bool
	}{
		{0o600, true},
		{0o400, true},
		{0o700, true},
		{0o644, false},
		{0o640, false},
		{0o604, false},
		{0o660, false},
		{0o606, false},
		{0o610, false},
		{0o601, false},
		{0o666, false},
		{0o777, false},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			path := filepath.Join(dir, "k-"+strings.TrimLeft(tc.mode.String(), "-")+".pem")
			writeKeyFile(t, path, k, tc.mode)
			got, err := LoadKeyFile(path)
			if tc.ok {
				if err != nil {
					t.Fatalf("LoadKeyFile(mode %v): %v", tc.mode, err)
				}
				if got.DID() != k.DID() {
					t.Errorf("LoadKeyFile = %s, want %s", got.DID(), k.DID())
				}
				return
			}
			if !errors.Is(err, ErrKeyPermissions) {
				t.Fatalf("LoadKeyFile(mode %v) = %v, %v; want ErrKeyPermissions", tc.mode, got, err)
			}
			if !strings.Contains(err.Error(), "chmod 600") {
				t.Errorf("error %q does not say how to fix it", err)
			}
		})
	}
}

func TestKeyStoreGetRefusesOpenPermissions(t *testing.T) {
	s, _ := openStore(t)
	if _, err := s.Generate("k"); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.Path("k"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("k"); !errors.Is(err, ErrKeyPermissions) {
		t.Errorf("Get of a 0644 key = %v, want ErrKeyPermissions", err)
	}
}

// TestLoadKeyFileUnreadable: a 0000 file is refused with a permission error for an
// ordinary user. Root reads any file, so as root the mode is only checked for being
// too open (0000 is not) and the key loads; the test checks whichever applies.
func TestLoadKeyFileUnreadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.pem")
	k := testKey(t, 6)
	writeKeyFile(t, path, k, 0o000)
	got, err := LoadKeyFile(path)
	if os.Geteuid() == 0 {
		t.Log("running as root: permission denial cannot happen; checking that 0000 is not 'too open'")
		if err != nil || got.DID() != k.DID() {
			t.Errorf("as root, LoadKeyFile(mode 0000) = %v, %v; want the key", got, err)
		}
		return
	}
	if !errors.Is(err, fs.ErrPermission) {
		t.Errorf("LoadKeyFile(mode 0000) = %v, %v; want fs.ErrPermission", got, err)
	}
	if errors.Is(err, ErrKeyNotFound) || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an unreadable key is reported missing: %v", err)
	}
}

func TestLoadKeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, bytes.Repeat([]byte("A"), 65<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	subdir := filepath.Join(dir, "sub.pem")
	if err := os.Mkdir(subdir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		want       error
	}{
		{"missing", filepath.Join(dir, "nope.pem"), fs.ErrNotExist},
		{"too large", big, ErrMalformedKey},
		{"not PEM", garbage, ErrMalformedKey},
		{"empty", empty, ErrMalformedKey},
		{"directory", subdir, ErrMalformedKey},
		{"device", "/dev/null", ErrMalformedKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := LoadKeyFile(tc.path)
			if !errors.Is(err, tc.want) {
				t.Fatalf("LoadKeyFile(%s) = %v, %v; want %v", tc.path, k, err, tc.want)
			}
			if tc.want == ErrMalformedKey && !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// TestLoadKeyFileFIFO: a named pipe is not a key file. Opening one for reading
// blocks until a writer comes, so LoadKeyFile must refuse it without opening it.
func TestLoadKeyFileFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pipe.pem")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := LoadKeyFile(path)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrMalformedKey) {
			t.Errorf("LoadKeyFile(fifo) = %v, want ErrMalformedKey", err)
		}
	case <-time.After(5 * time.Second):
		// Unblock the reader so the goroutine ends.
		if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		<-done
		t.Fatal("LoadKeyFile(fifo) blocked: it opened the pipe before checking that it is a regular file")
	}
}

func TestLoadKeyFileSymlink(t *testing.T) {
	dir := t.TempDir()
	k := testKey(t, 8)
	target := filepath.Join(dir, "real.pem")
	writeKeyFile(t, target, k, 0o600)
	link := filepath.Join(dir, "link.pem")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	got, err := LoadKeyFile(link)
	if err != nil || got.DID() != k.DID() {
		t.Errorf("LoadKeyFile(symlink to a 0600 key) = %v, %v", got, err)
	}
	// The link's own mode (0777) does not matter; the target's does.
	if err := os.Chmod(target, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(link); !errors.Is(err, ErrKeyPermissions) {
		t.Errorf("LoadKeyFile(symlink to a 0644 key) = %v, want ErrKeyPermissions", err)
	}
}

func TestKeyStoreResolve(t *testing.T) {
	s, _ := openStore(t)
	stored, err := s.Generate("release")
	if err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	fileKey := testKey(t, 10)
	absPath := filepath.Join(outside, "signing.pem")
	writeKeyFile(t, absPath, fileKey, 0o600)
	noExt := filepath.Join(outside, "signing")
	writeKeyFile(t, noExt, fileKey, 0o600)
	open := filepath.Join(outside, "open.pem")
	writeKeyFile(t, open, fileKey, 0o644)
	// A file in the working directory named like a stored key must not shadow it.
	writeKeyFile(t, filepath.Join(outside, "release"), fileKey, 0o600)
	t.Chdir(outside)

	for _, tc := range []struct {
		name, arg string
		want      *Key
		err       error
	}{
		{"store name", "release", stored, nil},
		{"absolute path", absPath, fileKey, nil},
		{"absolute path without .pem", noExt, fileKey, nil},
		{"relative path", "./signing.pem", fileKey, nil},
		{"bare .pem file name", "signing.pem", fileKey, nil},
		{"unknown name", "nobody", nil, ErrKeyNotFound},
		{"missing path", filepath.Join(outside, "nope.pem"), nil, ErrKeyNotFound},
		{"missing .pem", "nope.pem", nil, ErrKeyNotFound},
		{"invalid name", "bad name", nil, ErrInvalidKeyName},
		{"too open", open, nil, ErrKeyPermissions},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Resolve(tc.arg)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Resolve(%q) = %v, %v; want %v", tc.arg, got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tc.arg, err)
			}
			if got.DID() != tc.want.DID() {
				t.Errorf("Resolve(%q) = %s, want %s", tc.arg, got.DID(), tc.want.DID())
			}
		})
	}
}

func TestKeyStoreRemove(t *testing.T) {
	s, dir := openStore(t)
	for _, n := range []string{"a", "b"} {
		if _, err := s.Generate(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Remove("a"); err != nil {
		t.Fatalf("Remove(a) = %v", err)
	}
	if names, err := s.List(); err != nil || !slices.Equal(names, []string{"b"}) {
		t.Errorf("after Remove(a), List = %v, %v; want [b]", names, err)
	}
	if _, err := os.Lstat(s.Path("a")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a's file is still there: %v", err)
	}
	if _, err := s.Get("a"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("Get(a) after Remove = %v, want ErrKeyNotFound", err)
	}
	// Removed, the name is free again.
	if _, err := s.Generate("a"); err != nil {
		t.Errorf("Generate(a) after Remove = %v", err)
	}
	for _, tc := range []struct {
		name string
		want error
	}{
		{"missing", ErrKeyNotFound},
		{"../b", ErrInvalidKeyName},
		{"", ErrInvalidKeyName},
	} {
		if err := s.Remove(tc.name); !errors.Is(err, tc.want) {
			t.Errorf("Remove(%q) = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "b.key")); err != nil {
		t.Errorf("failed removals touched b: %v", err)
	}
}

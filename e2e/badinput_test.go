package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
)

func writeKeyPEM(t *testing.T, path string, key any, mode os.FileMode) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// TestBadInput runs commands that must fail: each exits non-zero with a message
// that says what was wrong, and leaves the repo exactly as it was.
func TestBadInput(t *testing.T) {
	r := newRepo(t)
	in := t.TempDir()
	hello := filepath.Join(in, "hello.txt")
	writeFile(t, hello, []byte("hello\n"))
	r.publish("acme/hello", "1.0.0", []string{hello})

	writeFile(t, filepath.Join(in, "bad.toml"), []byte("[source\nrepository = "))
	writeFile(t, filepath.Join(in, "bad.json"), []byte(`{"source": {"commit": "abc",}}`))
	writeFile(t, filepath.Join(in, "float.json"), []byte(`{"score": 0.5}`))
	writeFile(t, filepath.Join(in, "meta.yaml"), []byte("a: b\n"))
	writeFile(t, filepath.Join(in, "other.txt"), []byte("other\n"))

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	writeKeyPEM(t, filepath.Join(in, "rsa.pem"), rsaKey, 0o600)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	writeKeyPEM(t, filepath.Join(in, "ec.pem"), ecKey, 0o600)
	writeFile(t, filepath.Join(in, "garbage.pem"), []byte("not a key"))
	os.Chmod(filepath.Join(in, "garbage.pem"), 0o600)
	r.ok("key", "gen", "spare")
	open := filepath.Join(in, "open.pem")
	data, err := os.ReadFile(filepath.Join(r.dir, "keys", "spare.key"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, open, data) // mode 0644: readable by others

	// A directory whose import fails part way: blocks of the first files are
	// written before the symlink is found, and must be rolled back.
	partial := filepath.Join(in, "partial")
	if err := os.MkdirAll(partial, 0o755); err != nil {
		t.Fatal(err)
	}
	randomFile(t, filepath.Join(partial, "a-first.bin"), 3<<20, 3)
	if err := os.Symlink("/etc/passwd", filepath.Join(partial, "z-link")); err != nil {
		t.Fatal(err)
	}

	pub := func(extra ...string) []string {
		return append([]string{"publish", hello, "--name", "acme/new", "--version", "1.0.0"}, extra...)
	}
	cases := []struct {
		name string
		code int
		msgs []string
		args []string
	}{
		{"malformed CID", 2, []string{"invalid cid", "notacid"}, []string{"inspect", "notacid"}},
		{"malformed CID get", 2, []string{"invalid cid"}, []string{"get", "bafy!!", "-o", filepath.Join(in, "x")}},
		{"unknown name@version", 4, []string{"no package acme/hello@9.9.9"}, []string{"verify", "acme/hello@9.9.9"}},
		{"unknown CID", 4, []string{"not in the repo"}, []string{"inspect", "bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"}},
		{"name without version", 2, []string{"expected a CID or NAME@VERSION"}, []string{"inspect", "acme/hello"}},
		{"bad version", 2, []string{"invalid version", "semantic version"}, []string{"publish", hello, "--name", "acme/x", "--version", "v1"}},
		{"bad name", 2, []string{"invalid package name"}, []string{"publish", hello, "--name", "Acme", "--version", "1.0.0"}},
		{"malformed TOML", 2, []string{"malformed", "bad.toml"}, pub("--meta", filepath.Join(in, "bad.toml"))},
		{"malformed JSON", 2, []string{"malformed", "bad.json"}, pub("--meta", filepath.Join(in, "bad.json"))},
		{"float in JSON", 2, []string{"only integers"}, pub("--meta", filepath.Join(in, "float.json"))},
		{"unknown meta format", 2, []string{".json or .toml"}, pub("--meta", filepath.Join(in, "meta.yaml"))},
		{"missing meta file", 2, []string{"no such file"}, pub("--meta", filepath.Join(in, "nope.toml"))},
		{"missing file", 2, []string{"no such file", "nope.bin"}, []string{"publish", filepath.Join(in, "nope.bin"), "--name", "acme/x", "--version", "1.0.0"}},
		{"unknown key", 4, []string{"key not found", "nokey"}, pub("--key", "nokey")},
		{"unreadable key", 2, []string{"permissions too open", "chmod 600"}, pub("--key", open)},
		{"RSA key", 2, []string{"wrong key type", "RSA"}, pub("--key", filepath.Join(in, "rsa.pem"))},
		{"ECDSA key", 2, []string{"wrong key type", "ECDSA"}, pub("--key", filepath.Join(in, "ec.pem"))},
		{"not a key", 2, []string{"malformed key file"}, pub("--key", filepath.Join(in, "garbage.pem"))},
		{"version taken", 1, []string{"version already published", "acme/hello@1.0.0"}, []string{"publish", filepath.Join(in, "other.txt"), "--name", "acme/hello", "--version", "1.0.0"}},
		{"symlink inside a directory", 2, []string{"z-link"}, []string{"publish", partial, "--name", "acme/partial", "--version", "1.0.0"}},
		{"input not a package", 2, []string{"not a package"}, pub("--input", "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am")},
		{"sign a package, not metadata", 2, []string{"not a metadata set"}, []string{"sign", mustPackageCID(t, r, "acme/hello@1.0.0")}},
		{"trust bad DID", 2, []string{"invalid did:key"}, []string{"trust", "add", "acme/*", "did:key:zNOPE"}},
		{"trust bad pattern", 2, []string{"invalid namespace pattern"}, []string{"trust", "add", "acme*", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}},
		{"missing flag", 2, []string{"needs --name"}, []string{"publish", hello}},
		{"wrong arg count", 2, []string{"expects"}, []string{"verify"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.on(t)
			before := r.snapshot()
			r.fail(tc.code, tc.msgs, tc.args...)
			if after := r.snapshot(); after != before {
				t.Fatalf("repo changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func mustPackageCID(t *testing.T, r *repo, ref string) string {
	t.Helper()
	var v struct {
		CID cidJSON `json:"cid"`
	}
	r.json(&v, "inspect", ref)
	return v.CID.String()
}

func TestNoRepo(t *testing.T) {
	r := &repo{t: t, dir: filepath.Join(t.TempDir(), "none")}
	r.fail(4, []string{"no cairn repo", "cairn init"}, "ls")
	r.ok("init")
	r.fail(1, []string{"repo already exists"}, "init")
}

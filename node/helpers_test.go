package node_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node"
)

// fixedNow is the clock of reproducible publishes.
func fixedNow() time.Time { return dagtest.Time() }

// newRepo initializes a repo in a temporary directory, opens it and closes it
// when the test ends.
func newRepo(t testing.TB) *node.Repo {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	if _, err := node.Init(context.Background(), dir); err != nil {
		t.Fatalf("Init: %v", err)
	}
	return openRepo(t, dir)
}

func openRepo(t testing.TB, dir string) *node.Repo {
	t.Helper()
	r, err := node.Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func mustName(t testing.TB, s string) dag.Name {
	t.Helper()
	n, err := dag.ParseName(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// randomBytes returns n pseudo-random bytes from seed.
func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 1, 2, 3})
	r.Read(b)
	return b
}

// testTree writes a small directory tree under dir/name and returns its path.
func testTree(t testing.TB, dir, name string) string {
	t.Helper()
	root := filepath.Join(dir, name)
	writeFile(t, filepath.Join(root, "README.md"), []byte("# hello\n"))
	writeFile(t, filepath.Join(root, "bin", "hello"), randomBytes(300<<10, 1))
	writeFile(t, filepath.Join(root, "lib", "big.so"), randomBytes(2<<20+123, 2)) // several chunks
	writeFile(t, filepath.Join(root, "lib", "empty"), nil)
	if err := os.MkdirAll(filepath.Join(root, "share", "empty-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

// sameTree fails unless the trees (or files) at a and b have the same file
// names, kinds and contents.
func sameTree(t testing.TB, a, b string) {
	t.Helper()
	type entry struct {
		dir  bool
		data []byte
	}
	walk := func(root string) map[string]entry {
		m := map[string]entry{}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if d.IsDir() {
				m[rel] = entry{dir: true}
				return nil
			}
			if !d.Type().IsRegular() {
				t.Errorf("%s is not a regular file", p)
			}
			data, err := os.ReadFile(p)
			m[rel] = entry{data: data}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ma, mb := walk(a), walk(b)
	if len(ma) != len(mb) {
		t.Errorf("%s has %d entries, %s has %d", a, len(ma), b, len(mb))
	}
	for k, ea := range ma {
		eb, ok := mb[k]
		switch {
		case !ok:
			t.Errorf("%s: missing in %s", k, b)
		case ea.dir != eb.dir:
			t.Errorf("%s: directory in one tree only", k)
		case !bytes.Equal(ea.data, eb.data):
			t.Errorf("%s: contents differ (%d vs %d bytes)", k, len(ea.data), len(eb.data))
		}
	}
}

func repoStat(t testing.TB, r *node.Repo) node.RepoStat {
	t.Helper()
	st, err := r.Stat(context.Background())
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	return *st
}

func wantErrIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want one wrapping %v", err, target)
	}
}

func publish(t testing.TB, r *node.Repo, req node.PublishRequest) *node.PublishResult {
	t.Helper()
	res, err := r.Publish(context.Background(), req)
	if err != nil {
		t.Fatalf("Publish %s@%s: %v", req.Name, req.Version, err)
	}
	return res
}

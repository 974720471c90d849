package node_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node"
	"github.com/cairnpkg/cairn/sign"
)

func TestGet(t *testing.T) {
	ctx := context.Background()
	r := newRepo(t)
	src := t.TempDir()
	fileData := randomBytes(2<<20+99, 50)
	file := filepath.Join(src, "app.wasm")
	writeFile(t, file, fileData)
	tree := testTree(t, src, "assets")
	pub := publish(t, r, node.PublishRequest{Paths: []string{file, tree}, Name: mustName(t, "acme/app"), Version: "1.0.0"})
	if len(pub.Layers) != 2 {
		t.Fatalf("layers = %+v", pub.Layers)
	}

	// noTemp fails if Get left a temporary directory beside out.
	noTemp := func(t *testing.T, dir string) {
		t.Helper()
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("Get left %s in %s", e.Name(), dir)
			}
		}
	}

	t.Run("one layer: a file", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "x")
		res, err := r.Get(ctx, pub.Package, out, node.GetOptions{Layer: "app.wasm"})
		if err != nil {
			t.Fatal(err)
		}
		sameTree(t, file, out)
		if res.Path != out || res.Size != uint64(len(fileData)) || len(res.Layers) != 1 || res.Layers[0] != pub.Layers[0] {
			t.Errorf("result = %+v", res)
		}
	})
	t.Run("one layer: a directory", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "x")
		res, err := r.Get(ctx, pub.Package, out, node.GetOptions{Layer: "assets"})
		if err != nil {
			t.Fatal(err)
		}
		sameTree(t, tree, out)
		if res.Size != pub.Layers[1].Size || len(res.Layers) != 1 || res.Layers[0].Name != "assets" {
			t.Errorf("result = %+v", res)
		}
	})
	t.Run("all layers", func(t *testing.T) {
		parent := t.TempDir()
		out := filepath.Join(parent, "pkg")
		res, err := r.Get(ctx, pub.Package, out, node.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ents, err := os.ReadDir(out)
		if err != nil || len(ents) != 2 {
			t.Fatalf("out has %v (%v), want app.wasm and assets", ents, err)
		}
		sameTree(t, file, filepath.Join(out, "app.wasm"))
		sameTree(t, tree, filepath.Join(out, "assets"))
		if res.Size != pub.Layers[0].Size+pub.Layers[1].Size || len(res.Layers) != 2 {
			t.Errorf("result = %+v", res)
		}
		noTemp(t, parent)
	})
	t.Run("unknown layer", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "x")
		_, err := r.Get(ctx, pub.Package, out, node.GetOptions{Layer: "nope"})
		wantErrIs(t, err, node.ErrNotFound)
		if _, err := os.Lstat(out); !os.IsNotExist(err) {
			t.Errorf("out exists after a failed Get: %v", err)
		}
	})

	t.Run("existing path", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			layer    string
			existing string // "file" or "dir"
			check    func(t *testing.T, out string)
		}{
			{"file layer over a file", "app.wasm", "file", func(t *testing.T, out string) { sameTree(t, file, out) }},
			{"file layer over a directory", "app.wasm", "dir", func(t *testing.T, out string) { sameTree(t, file, out) }},
			{"directory layer over a directory", "assets", "dir", func(t *testing.T, out string) { sameTree(t, tree, out) }},
			{"all layers over a file", "", "file", func(t *testing.T, out string) { sameTree(t, tree, filepath.Join(out, "assets")) }},
			{"all layers over a directory", "", "dir", func(t *testing.T, out string) {
				sameTree(t, file, filepath.Join(out, "app.wasm"))
				if _, err := os.Stat(filepath.Join(out, "old")); !os.IsNotExist(err) {
					t.Errorf("old content survived an overwrite: %v", err)
				}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				parent := t.TempDir()
				out := filepath.Join(parent, "out")
				if tc.existing == "file" {
					writeFile(t, out, []byte("old"))
				} else {
					writeFile(t, filepath.Join(out, "old"), []byte("old"))
				}
				_, err := r.Get(ctx, pub.Package, out, node.GetOptions{Layer: tc.layer})
				wantErrIs(t, err, content.ErrExists)
				old := out
				if tc.existing == "dir" {
					old = filepath.Join(out, "old")
				}
				if data, err := os.ReadFile(old); err != nil || string(data) != "old" {
					t.Fatalf("existing content changed by a refused Get: %q, %v", data, err)
				}
				noTemp(t, parent)
				if _, err := r.Get(ctx, pub.Package, out, node.GetOptions{Layer: tc.layer, Overwrite: true}); err != nil {
					t.Fatalf("Get with Overwrite: %v", err)
				}
				tc.check(t, out)
				noTemp(t, parent)
			})
		}
	})

	t.Run("content CIDs", func(t *testing.T) {
		dir := t.TempDir()
		res, err := r.Get(ctx, pub.Layers[0].Content, filepath.Join(dir, "f"), node.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sameTree(t, file, filepath.Join(dir, "f"))
		if res.Size != uint64(len(fileData)) || len(res.Layers) != 0 {
			t.Errorf("result = %+v", res)
		}
		if _, err := r.Get(ctx, pub.Layers[1].Content, filepath.Join(dir, "d"), node.GetOptions{}); err != nil {
			t.Fatal(err)
		}
		sameTree(t, tree, filepath.Join(dir, "d"))
		_, err = r.Get(ctx, pub.Layers[0].Content, filepath.Join(dir, "f"), node.GetOptions{})
		wantErrIs(t, err, content.ErrExists)
	})

	t.Run("not a package or content", func(t *testing.T) {
		dir := t.TempDir()
		_, err := r.Get(ctx, pub.Metadata, filepath.Join(dir, "m"), node.GetOptions{})
		wantErrIs(t, err, node.ErrNotPackage)
		_, absent := dagtest.MustEncode(t, dagtest.Package(t, "acme/absent", "1.0.0", []byte("never stored")))
		_, err = r.Get(ctx, absent, filepath.Join(dir, "a"), node.GetOptions{})
		wantErrIs(t, err, node.ErrNotFound)
		rawAbsent, _ := dagtest.Content(t, []byte("never stored either"))
		_, err = r.Get(ctx, rawAbsent, filepath.Join(dir, "b"), node.GetOptions{})
		wantErrIs(t, err, node.ErrNotFound)
		ents, _ := os.ReadDir(dir)
		if len(ents) != 0 {
			t.Errorf("failed Gets left %v", ents)
		}
	})
}

func TestList(t *testing.T) {
	ctx := context.Background()
	r := newRepo(t)
	src := t.TempDir()
	a := filepath.Join(src, "a.bin")
	writeFile(t, a, randomBytes(1000, 60))
	b := filepath.Join(src, "b.bin")
	writeFile(t, b, randomBytes(3<<20, 61))
	tree := testTree(t, src, "tree")
	treeSize := uint64(8 + 300<<10 + 2<<20 + 123)

	type pub struct {
		ref   string
		paths []string
		size  uint64
	}
	pubs := []pub{
		{"acme/hello@1.10.0", []string{a, b}, 1000 + 3<<20},
		{"acme/hello@1.2.0", []string{a}, 1000},
		{"acme/hello@1.2.0-rc.1", []string{b}, 3 << 20},
		{"acme/hello-world@2.0.0", []string{a, b, tree}, 1000 + 3<<20 + treeSize},
		{"zeta/z@0.0.1", []string{tree}, treeSize},
	}
	pkgs := map[string]*node.PublishResult{}
	for _, p := range pubs {
		ref, err := dag.ParseRef(p.ref)
		if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ref] = publish(t, r, node.PublishRequest{Paths: p.paths, Name: ref.Name, Version: ref.Version})
	}
	byRef := map[string]pub{}
	for _, p := range pubs {
		byRef[p.ref] = p
	}

	for _, tc := range []struct {
		name string
		want []string
	}{
		// By name, then by version precedence (1.2.0-rc.1 < 1.2.0 < 1.10.0).
		{"", []string{"acme/hello@1.2.0-rc.1", "acme/hello@1.2.0", "acme/hello@1.10.0", "acme/hello-world@2.0.0", "zeta/z@0.0.1"}},
		{"acme/hello", []string{"acme/hello@1.2.0-rc.1", "acme/hello@1.2.0", "acme/hello@1.10.0"}},
		{"acme/hello-world", []string{"acme/hello-world@2.0.0"}},
		{"zeta/z", []string{"zeta/z@0.0.1"}},
		{"acme/nothing", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.List(ctx, tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("List(%q) = %+v, want %v", tc.name, got, tc.want)
			}
			for i, e := range got {
				ref := e.Name + "@" + e.Version
				if ref != tc.want[i] {
					t.Errorf("entry %d = %s, want %s", i, ref, tc.want[i])
					continue
				}
				p := byRef[ref]
				if !e.Package.Equals(pkgs[ref].Package) || e.Layers != len(p.paths) || e.Size != p.size {
					t.Errorf("entry %s = %+v, want package %s, %d layers, %d bytes", ref, e, pkgs[ref].Package, len(p.paths), p.size)
				}
			}
		})
	}
}

// TestGetAndExportVerify: once the policy no longer trusts a package, get
// and export refuse it and write nothing, unless told to skip the check.
func TestGetAndExportVerify(t *testing.T) {
	ctx := context.Background()
	r := newRepo(t)
	src := filepath.Join(t.TempDir(), "a.bin")
	writeFile(t, src, []byte("payload"))
	pub := publish(t, r, node.PublishRequest{Paths: []string{src}, Name: mustName(t, "acme/a"), Version: "1.0.0"})
	out := filepath.Join(t.TempDir(), "out")
	res, err := r.Get(ctx, pub.Package, out, node.GetOptions{})
	if err != nil || res.Report == nil || !res.Report.Trusted() {
		t.Fatalf("Get of a trusted package = %+v, %v", res, err)
	}
	if err := os.Remove(out); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdatePolicy(func(p *sign.Policy) error { return p.RemoveKey("acme/*", "") }); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get(ctx, pub.Package, out, node.GetOptions{}); !errors.Is(err, node.ErrUntrusted) {
		t.Fatalf("Get after the rule went: %v, want ErrUntrusted", err)
	}
	var buf bytes.Buffer
	if _, err := r.Export(ctx, pub.Package, &buf, node.ExportOptions{}); !errors.Is(err, node.ErrUntrusted) || buf.Len() != 0 {
		t.Fatalf("Export after the rule went: %v with %d bytes written, want ErrUntrusted and none", err, buf.Len())
	}
	if _, err := os.Lstat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a refused Get left %s: %v", out, err)
	}
	if res, err := r.Get(ctx, pub.Package, out, node.GetOptions{Unverified: true}); err != nil || res.Report != nil {
		t.Fatalf("Get --unverified = %+v, %v", res, err)
	}
	if _, err := r.Export(ctx, pub.Package, &buf, node.ExportOptions{Unverified: true}); err != nil || buf.Len() == 0 {
		t.Fatalf("Export --unverified: %v, %d bytes", err, buf.Len())
	}
	// Content by CID has nothing to verify: it is written as it is.
	if _, err := r.Get(ctx, pub.Layers[0].Content, filepath.Join(t.TempDir(), "c"), node.GetOptions{}); err != nil {
		t.Fatalf("Get of content by CID: %v", err)
	}
}

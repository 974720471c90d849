package e2e

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// assertSameTree fails unless the trees at a and b hold the same directories,
// files and bytes.
func assertSameTree(t *testing.T, a, b string) {
	t.Helper()
	list := func(root string) map[string]string {
		out := map[string]string{}
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			switch {
			case d.IsDir():
				out[rel] = "dir"
			case d.Type().IsRegular():
				out[rel] = fileSHA256(t, p)
			default:
				out[rel] = "other"
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	la, lb := list(a), list(b)
	if len(la) != len(lb) {
		t.Fatalf("trees differ: %d entries in %s, %d in %s\n%v\n%v", len(la), a, len(lb), b, la, lb)
	}
	for k, v := range la {
		if lb[k] != v {
			t.Fatalf("trees differ at %s: %q vs %q", k, v, lb[k])
		}
	}
}

func TestRoundTripFileAndTree(t *testing.T) {
	r := newRepo(t)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "hello.txt"), []byte("hello\n"))
	tree := filepath.Join(src, "site")
	writeFile(t, filepath.Join(tree, "index.html"), []byte("<h1>hi</h1>\n"))
	writeFile(t, filepath.Join(tree, "empty"), nil)
	writeFile(t, filepath.Join(tree, "a", "b", "c", "deep.txt"), []byte("deep\n"))
	writeFile(t, filepath.Join(tree, "ünï cødé", "x.bin"), []byte{0, 1, 2, 255})
	if err := os.MkdirAll(filepath.Join(tree, "empty-dir", "nested-empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	randomFile(t, filepath.Join(tree, "a", "big.bin"), 3<<20+17, 1)

	file := r.publish("acme/hello", "1.0.0", []string{filepath.Join(src, "hello.txt")})
	dir := r.publish("acme/site", "1.0.0", []string{tree})
	if len(file.Layers) != 1 || file.Layers[0].SHA256 != fileSHA256(t, filepath.Join(src, "hello.txt")) {
		t.Fatalf("file layer does not record the file's sha256: %+v", file.Layers)
	}
	if len(dir.Layers) != 1 || dir.Layers[0].SHA256 != "" || dir.Layers[0].Size != 3<<20+17+12+5+4 {
		t.Fatalf("directory layer: %+v", dir.Layers)
	}

	out := t.TempDir()
	r.ok("get", "acme/hello@1.0.0", "-o", filepath.Join(out, "hello.txt"))
	assertSameTree(t, filepath.Join(src, "hello.txt"), filepath.Join(out, "hello.txt"))
	r.ok("get", dir.Package.String(), "-o", filepath.Join(out, "site"))
	assertSameTree(t, tree, filepath.Join(out, "site"))
	// The content CID alone is enough too.
	r.ok("get", dir.Layers[0].Content.String(), "-o", filepath.Join(out, "site2"))
	assertSameTree(t, tree, filepath.Join(out, "site2"))
	// An existing path is never overwritten without --force.
	r.fail(1, []string{"exists"}, "get", "acme/hello@1.0.0", "-o", filepath.Join(out, "hello.txt"))
	r.ok("get", "acme/hello@1.0.0", "-o", filepath.Join(out, "hello.txt"), "--force")

	// A package of two layers extracts as a directory of both.
	two := r.publish("acme/two", "0.1.0", []string{filepath.Join(src, "hello.txt"), tree})
	if len(two.Layers) != 2 {
		t.Fatalf("two layers expected: %+v", two.Layers)
	}
	r.ok("get", "acme/two@0.1.0", "-o", filepath.Join(out, "two"))
	assertSameTree(t, tree, filepath.Join(out, "two", "site"))
	assertSameTree(t, filepath.Join(src, "hello.txt"), filepath.Join(out, "two", "hello.txt"))
	r.ok("verify", "acme/two@0.1.0")
}

func TestRoundTrip200MB(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MB round trip skipped in -short mode")
	}
	r := newRepo(t)
	src := filepath.Join(t.TempDir(), "big.bin")
	sum := randomFile(t, src, 200<<20, 2)
	res := r.publish("acme/big", "1.0.0", []string{src})
	if res.Layers[0].SHA256 != sum || res.Layers[0].Size != 200<<20 {
		t.Fatalf("layer %+v, want sha256 %s", res.Layers[0], sum)
	}
	out := filepath.Join(t.TempDir(), "big.out")
	r.ok("get", "acme/big@1.0.0", "-o", out)
	if got := fileSHA256(t, out); got != sum {
		t.Fatalf("got back sha256 %s, published %s", got, sum)
	}
	r.ok("verify", "acme/big@1.0.0")
}

// TestKuboVectors checks that content CIDs equal Kubo's with the
// unixfs-v1-2025 profile (dag/content/testdata holds the vectors).
func TestKuboVectors(t *testing.T) {
	f, err := os.Open("../dag/content/testdata/unixfs-v1-2025-files.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := newRepo(t)
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	checked := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		size, err := strconv.ParseInt(cols[0], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if size == 0 || size > 16<<20 {
			continue // empty is refused by no one, but dag/content covers it; 1 GiB is too slow here
		}
		t.Run(cols[0], func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "v.bin")
			vectorFile(t, p, size)
			res := r.publish("vectors/file", "1.0.0-"+cols[0], []string{p})
			if got := res.Layers[0].Content.String(); got != cols[1] {
				t.Fatalf("content CID %s, Kubo gives %s", got, cols[1])
			}
			if res.Layers[0].SHA256 != cols[2] {
				t.Fatalf("sha256 %s, want %s", res.Layers[0].SHA256, cols[2])
			}
		})
		checked++
	}
	if checked < 4 {
		t.Fatalf("only %d vectors checked", checked)
	}

	tree := filepath.Join(t.TempDir(), "tree")
	writeFile(t, filepath.Join(tree, "a.txt"), []byte("hello\n"))
	writeFile(t, filepath.Join(tree, "empty-file"), nil)
	if err := os.MkdirAll(filepath.Join(tree, "empty-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(tree, "nested", "ünï cødé.txt"), []byte("ünïcødé\n"))
	if err := os.MkdirAll(filepath.Join(tree, "nested", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	vectorFile(t, filepath.Join(tree, "nested", "deeper", "blob.bin"), 3145728)
	res := r.publish("vectors/tree", "1.0.0", []string{tree})
	if got, want := res.Layers[0].Content.String(), "bafybeidhx5sbfp5wuwgrgung6bcpdcrjestswww6pklrumiiq4atlxfn7m"; got != want {
		t.Fatalf("tree CID %s, Kubo gives %s", got, want)
	}
}

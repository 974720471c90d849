package content

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// assertSameTree fails unless the trees at a and b have the same entries, of
// the same types, with the same file bytes.
func assertSameTree(t *testing.T, a, b string) {
	t.Helper()
	seen := 0
	err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		q := filepath.Join(b, rel)
		fi, err := os.Lstat(q)
		if err != nil {
			return err
		}
		seen++
		switch {
		case d.IsDir():
			if !fi.IsDir() {
				t.Errorf("%s: not a directory", q)
			}
		case d.Type().IsRegular():
			if !fi.Mode().IsRegular() {
				t.Errorf("%s: not a regular file", q)
				return nil
			}
			x, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			y, err := os.ReadFile(q)
			if err != nil {
				return err
			}
			if !bytes.Equal(x, y) {
				t.Errorf("%s: %d bytes differ from %s (%d bytes)", q, len(y), p, len(x))
			}
		default:
			t.Errorf("%s: unexpected type %v", p, d.Type())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(b, func(p string, d fs.DirEntry, err error) error {
		seen--
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != 0 {
		t.Errorf("%s has %d more entries than %s", b, -seen, a)
	}
}

// assertNothingLeft fails if dir holds anything: no target, no temporary.
func assertNothingLeft(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind: %s", filepath.Join(dir, e.Name()))
	}
}

func importBytes(t *testing.T, dag ipld.DAGService, size int64) Result {
	t.Helper()
	res, err := ImportReader(context.Background(), dag, newVectorReader(size))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestExportFileRoundTrip(t *testing.T) {
	ctx := context.Background()
	dag := memDAG()
	for _, size := range []int64{0, 1, ChunkSize, 5*ChunkSize + 7} {
		res := importBytes(t, dag, size)
		path := filepath.Join(t.TempDir(), "file")
		er, err := Export(ctx, dag, res.Root, path)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, size)
		_, _ = newVectorReader(size).Read(want)
		if !bytes.Equal(data, want) {
			t.Errorf("size %d: exported bytes differ", size)
		}
		sum := sha256.Sum256(data)
		if er.Size != uint64(size) || er.Dir || !bytes.Equal(er.SHA256, sum[:]) || !bytes.Equal(er.SHA256, res.SHA256) {
			t.Errorf("size %d: export result %+v, want size %d sha %x", size, er, size, sum)
		}

		var buf bytes.Buffer
		n, catSum, err := Cat(ctx, dag, res.Root, &buf)
		if err != nil {
			t.Fatal(err)
		}
		if n != size || !bytes.Equal(catSum, sum[:]) || !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("size %d: cat gave %d bytes, sha %x", size, n, catSum)
		}
	}
}

func TestExportDirRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := writeVectorTree(t, t.TempDir())
	dag := memDAG()
	res, err := ImportPath(ctx, dag, src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "out")
	er, err := Export(ctx, dag, res.Root, dst)
	if err != nil {
		t.Fatal(err)
	}
	if !er.Dir || er.Size != res.Size || er.SHA256 != nil {
		t.Errorf("export result %+v, want dir of %d bytes", er, res.Size)
	}
	assertSameTree(t, src, dst)
	assertNothingLeft(t, filepath.Join(dst, "empty-dir"))

	// Re-importing the export gives the same CID.
	again, err := ImportPath(ctx, dag, dst)
	if err != nil {
		t.Fatal(err)
	}
	if again.Root != res.Root {
		t.Errorf("re-import %s, want %s", again.Root, res.Root)
	}
}

func TestExportEmptyDir(t *testing.T) {
	ctx := context.Background()
	dag := memDAG()
	src := t.TempDir()
	res, err := ImportPath(ctx, dag, src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "empty")
	if _, err := Export(ctx, dag, res.Root, dst); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, dst)
}

func TestCatDirectory(t *testing.T) {
	dag := memDAG()
	res, err := ImportPath(context.Background(), dag, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Cat(context.Background(), dag, res.Root, &bytes.Buffer{}); !errors.Is(err, ErrIsDir) {
		t.Fatalf("cat of a directory: %v, want ErrIsDir", err)
	}
}

func TestExportExists(t *testing.T) {
	ctx := context.Background()
	dag := memDAG()
	file := importBytes(t, dag, 100)
	dirSrc := writeVectorTree(t, t.TempDir())
	dir, err := ImportPath(ctx, dag, dirSrc)
	if err != nil {
		t.Fatal(err)
	}

	base := t.TempDir()
	target := filepath.Join(base, "target")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, root := range []cid.Cid{file.Root, dir.Root} {
		if _, err := Export(ctx, dag, root, target); !errors.Is(err, ErrExists) {
			t.Fatalf("export onto a file: %v, want ErrExists", err)
		}
		if data, _ := os.ReadFile(target); string(data) != "old" {
			t.Fatalf("existing file changed to %q", data)
		}
	}
	entries, _ := os.ReadDir(base)
	if len(entries) != 1 {
		t.Fatalf("%d entries next to the target, want only it", len(entries))
	}

	// With WithOverwrite: dir over file, dir over dir, file over dir, file over file.
	for i, root := range []cid.Cid{dir.Root, dir.Root, file.Root, file.Root} {
		if _, err := Export(ctx, dag, root, target, WithOverwrite()); err != nil {
			t.Fatalf("overwrite %d: %v", i, err)
		}
		if root == dir.Root {
			assertSameTree(t, dirSrc, target)
		} else if fi, err := os.Lstat(target); err != nil || fi.Size() != 100 {
			t.Fatalf("overwrite %d: %v %v", i, fi, err)
		}
		if entries, _ := os.ReadDir(base); len(entries) != 1 {
			t.Fatalf("overwrite %d: %d entries next to the target, want only it", i, len(entries))
		}
	}
}

// putDir stores a basic directory with the given links and returns its CID.
func putDir(t *testing.T, dag ipld.DAGService, links map[string]ipld.Node, extra ...*ipld.Link) cid.Cid {
	t.Helper()
	nd := unixfs.EmptyDirNode()
	if err := nd.SetCidBuilder(cidBuilder()); err != nil {
		t.Fatal(err)
	}
	for name, child := range links {
		if err := nd.AddNodeLink(name, child); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range extra {
		if err := nd.AddRawLink(l.Name, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := dag.Add(context.Background(), nd); err != nil {
		t.Fatal(err)
	}
	return nd.Cid()
}

func putNode(t *testing.T, dag ipld.DAGService, nd ipld.Node) ipld.Node {
	t.Helper()
	if err := dag.Add(context.Background(), nd); err != nil {
		t.Fatal(err)
	}
	return nd
}

func TestExportUnsafeNames(t *testing.T) {
	ctx := context.Background()
	dag := memDAG()
	leaf := putNode(t, dag, mdag.NewRawNode([]byte("evil")))
	for _, name := range []string{"..", ".", "", "a/b", "../x", "/abs", "nul\x00byte"} {
		root := putDir(t, dag, map[string]ipld.Node{"ok": leaf, name: leaf})
		base := t.TempDir()
		if _, err := Export(ctx, dag, root, filepath.Join(base, "out")); !errors.Is(err, ErrUnsafeName) {
			t.Errorf("name %q: %v, want ErrUnsafeName", name, err)
		}
		assertNothingLeft(t, base)
	}

	// One level down.
	inner, err := dag.Get(ctx, putDir(t, dag, map[string]ipld.Node{"..": leaf}))
	if err != nil {
		t.Fatal(err)
	}
	root := putDir(t, dag, map[string]ipld.Node{"sub": inner})
	base := t.TempDir()
	if _, err := Export(ctx, dag, root, filepath.Join(base, "out")); !errors.Is(err, ErrUnsafeName) {
		t.Errorf("nested \"..\": %v, want ErrUnsafeName", err)
	}
	assertNothingLeft(t, base)

	// A name that occurs twice.
	l := &ipld.Link{Name: "twice", Cid: leaf.Cid(), Size: 4}
	root = putDir(t, dag, nil, l, l)
	base = t.TempDir()
	if _, err := Export(ctx, dag, root, filepath.Join(base, "out")); !errors.Is(err, ErrUnsafeName) {
		t.Errorf("duplicate name: %v, want ErrUnsafeName", err)
	}
	assertNothingLeft(t, base)
}

func TestExportUnsupportedNodes(t *testing.T) {
	ctx := context.Background()
	dag := memDAG()
	symData, err := unixfs.SymlinkData("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	symlink := putNode(t, dag, mdag.NodeWithData(symData))
	garbage := putNode(t, dag, mdag.NodeWithData([]byte{0xff, 0xff}))
	cases := []struct {
		name string
		root cid.Cid
		want error
	}{
		{"symlink", symlink.Cid(), ErrUnsupportedFile},
		{"symlink in dir", putDir(t, dag, map[string]ipld.Node{"link": symlink}), ErrUnsupportedFile},
		{"not unixfs", garbage.Cid(), ErrNotUnixFS},
		{"not unixfs in dir", putDir(t, dag, map[string]ipld.Node{"x": garbage}), ErrNotUnixFS},
	}
	for _, c := range cases {
		base := t.TempDir()
		if _, err := Export(ctx, dag, c.root, filepath.Join(base, "out")); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		assertNothingLeft(t, base)
	}
}

func TestExportMalformedSize(t *testing.T) {
	ctx := context.Background()
	dag := memDAG()
	leaf := putNode(t, dag, mdag.NewRawNode([]byte("12345")))
	fsn := unixfs.NewFSNode(unixfs.TFile)
	fsn.AddBlockSize(10) // claims 10 bytes, the leaf has 5
	data, err := fsn.GetBytes()
	if err != nil {
		t.Fatal(err)
	}
	nd := mdag.NodeWithData(data)
	if err := nd.AddNodeLink("", leaf); err != nil {
		t.Fatal(err)
	}
	putNode(t, dag, nd)
	base := t.TempDir()
	if _, err := Export(ctx, dag, nd.Cid(), filepath.Join(base, "out")); !errors.Is(err, ErrMalformed) {
		t.Errorf("export: %v, want ErrMalformed", err)
	}
	assertNothingLeft(t, base)
}

// cancelingGetter cancels a context after a number of Get or GetMany calls.
type cancelingGetter struct {
	ipld.NodeGetter
	after  int64
	gets   atomic.Int64
	cancel context.CancelFunc
}

func (g *cancelingGetter) Get(ctx context.Context, c cid.Cid) (ipld.Node, error) {
	if g.gets.Add(1) > g.after {
		g.cancel()
	}
	return g.NodeGetter.Get(ctx, c)
}

func (g *cancelingGetter) GetMany(ctx context.Context, cs []cid.Cid) <-chan *ipld.NodeOption {
	if g.gets.Add(1) > g.after {
		g.cancel()
	}
	return g.NodeGetter.GetMany(ctx, cs)
}

func TestExportCancel(t *testing.T) {
	dag := memDAG()
	file := importBytes(t, dag, 20*ChunkSize)
	dir, err := ImportPath(context.Background(), dag, writeVectorTree(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	for _, root := range []cid.Cid{file.Root, dir.Root} {
		// Canceled up front.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		base := t.TempDir()
		if _, err := Export(ctx, dag, root, filepath.Join(base, "out")); !errors.Is(err, context.Canceled) {
			t.Errorf("%s, canceled context: %v", root, err)
		}
		assertNothingLeft(t, base)

		// Canceled part way.
		ctx, cancel = context.WithCancel(context.Background())
		g := &cancelingGetter{NodeGetter: dag, after: 1, cancel: cancel}
		if _, err := Export(ctx, g, root, filepath.Join(base, "out")); !errors.Is(err, context.Canceled) {
			t.Errorf("%s, canceled part way: %v", root, err)
		}
		cancel()
		assertNothingLeft(t, base)
	}
}

func TestExportCheckRunsBeforeInstall(t *testing.T) {
	ctx := context.Background()
	dag := memDAG()
	res := importBytes(t, dag, 3<<20+5)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.bin")
	if err := os.WriteFile(out, []byte("old content"), 0o644); err != nil {
		t.Fatal(err)
	}
	errWrong := errors.New("wrong sha256")
	var seen ExportResult
	_, err := Export(ctx, dag, res.Root, out, WithOverwrite(), WithCheck(func(r ExportResult) error {
		seen = r
		return errWrong
	}))
	if !errors.Is(err, errWrong) {
		t.Fatalf("Export = %v, want the check's error", err)
	}
	if seen.Size != res.Size || !bytes.Equal(seen.SHA256, res.SHA256) {
		t.Fatalf("check saw %+v, import gave %+v", seen, res)
	}
	if got, err := os.ReadFile(out); err != nil || string(got) != "old content" {
		t.Fatalf("the old file was touched by a failed check: %q, %v", got, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("temporary files left beside %s: %v", out, entries)
	}
	if _, err := Export(ctx, dag, res.Root, out, WithOverwrite(), WithCheck(func(ExportResult) error { return nil })); err != nil {
		t.Fatal(err)
	}
}

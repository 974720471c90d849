package content

import (
	"bufio"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bigVector is the size of the largest vector, which needs a second tree level.
const bigVector = 1<<30 + 1

type fileVector struct {
	size   int64
	cid    string
	sha256 string
}

// loadFileVectors reads the golden file, a copy of
// /work/shared/vectors/unixfs-v1-2025-files.tsv (CIDs from Kubo).
func loadFileVectors(t *testing.T) []fileVector {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "unixfs-v1-2025-files.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []fileVector
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if line == 1 {
			continue // header
		}
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 3 {
			t.Fatalf("line %d: %d fields", line, len(fields))
		}
		size, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		vs = append(vs, fileVector{size, fields[1], fields[2]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(vs) != 7 {
		t.Fatalf("%d vectors, want 7", len(vs))
	}
	return vs
}

func TestVectorGenerator(t *testing.T) {
	// The README: a file begins 5c 97 1b 58 2a 4e 7d 83.
	buf := make([]byte, 8)
	if _, err := newVectorReader(8).Read(buf); err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(buf); got != "5c971b582a4e7d83" {
		t.Fatalf("generator starts %s", got)
	}
}

func TestFileVectors(t *testing.T) {
	for _, v := range loadFileVectors(t) {
		t.Run(strconv.FormatInt(v.size, 10), func(t *testing.T) {
			if v.size == bigVector && testing.Short() {
				t.Skip("1 GiB vector skipped in -short mode")
			}
			start := time.Now()
			dst := &discardDAG{}
			res, err := ImportReader(context.Background(), dst, newVectorReader(v.size))
			if err != nil {
				t.Fatal(err)
			}
			if res.Root.String() != v.cid {
				t.Errorf("cid %s, want %s", res.Root, v.cid)
			}
			if got := hex.EncodeToString(res.SHA256); got != v.sha256 {
				t.Errorf("sha256 %s, want %s", got, v.sha256)
			}
			if res.Size != uint64(v.size) || res.Dir {
				t.Errorf("size %d dir %v, want %d false", res.Size, res.Dir, v.size)
			}
			t.Logf("%d bytes in %v, %d blocks written", v.size, time.Since(start), dst.blocks.Load())
		})
	}
}

// treeCID is `ipfs add -Q -r --only-hash tree` for the tree in the vectors README.
const treeCID = "bafybeidhx5sbfp5wuwgrgung6bcpdcrjestswww6pklrumiiq4atlxfn7m"

// writeVectorTree builds the README's tree directory under dir and returns its path.
func writeVectorTree(t *testing.T, dir string) string {
	t.Helper()
	root := filepath.Join(dir, "tree")
	mkdir := func(p string) {
		if err := os.MkdirAll(filepath.Join(root, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p string, data []byte) {
		if err := os.WriteFile(filepath.Join(root, p), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mkdir("empty-dir")
	mkdir("nested/deeper")
	write("a.txt", []byte("hello\n"))
	write("empty-file", nil)
	write("nested/ünï cødé.txt", []byte("ünïcødé\n"))
	blob := make([]byte, 3<<20)
	if _, err := newVectorReader(int64(len(blob))).Read(blob); err != nil {
		t.Fatal(err)
	}
	write("nested/deeper/blob.bin", blob)
	return root
}

func TestTreeVector(t *testing.T) {
	root := writeVectorTree(t, t.TempDir())
	res, err := ImportPath(context.Background(), memDAG(), root)
	if err != nil {
		t.Fatal(err)
	}
	if res.Root.String() != treeCID {
		t.Errorf("tree cid %s, want %s", res.Root, treeCID)
	}
	if want := uint64(6 + 0 + 12 + 3<<20); res.Size != want || !res.Dir || res.SHA256 != nil {
		t.Errorf("size %d dir %v sha %x, want %d true nil", res.Size, res.Dir, res.SHA256, want)
	}
}

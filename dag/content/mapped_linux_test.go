package content

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"golang.org/x/sys/unix"

	"github.com/cairnpkg/cairn/internal/proctest"
	"github.com/cairnpkg/cairn/internal/sha256mb"
)

// copyDAG keeps a copy of every block it is given, as MapFiles requires of
// a destination, and nothing else.
type copyDAG struct {
	discardDAG
	mu     sync.Mutex
	blocks map[cid.Cid][]byte
}

func newCopyDAG() *copyDAG { return &copyDAG{blocks: make(map[cid.Cid][]byte)} }

func (d *copyDAG) Add(ctx context.Context, nd ipld.Node) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.blocks[nd.Cid()] = bytes.Clone(nd.RawData())
	return nil
}

func (d *copyDAG) AddMany(ctx context.Context, nds []ipld.Node) error {
	for _, nd := range nds {
		if err := d.Add(ctx, nd); err != nil {
			return err
		}
	}
	return nil
}

// check fails t unless every block d holds hashes to its CID.
func (d *copyDAG) check(t *testing.T) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	for c, data := range d.blocks {
		b, err := blocks.NewBlockWithCid(data, c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Prefix().Sum(b.RawData())
		if err != nil || !got.Equals(c) {
			t.Fatalf("block %s holds bytes hashing to %s (%v)", c, got, err)
		}
	}
}

// writeFile writes size bytes of the vectors' generator to a file in dir.
func writeVectorFile(t *testing.T, dir string, size int64) string {
	t.Helper()
	p := filepath.Join(dir, strconv.FormatInt(size, 10))
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, newVectorReader(size)); err != nil {
		t.Fatal(err)
	}
	return p
}

// mappedFiles lists the files the process has mapped.
func mappedFiles(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMapFilesVectors: with MapFiles, the files of more than one chunk are
// mapped and give Kubo's CIDs, every block the destination keeps is whole
// after the mappings are gone, and none is left mapped.
func TestMapFilesVectors(t *testing.T) {
	dir := t.TempDir()
	for _, v := range loadFileVectors(t) {
		if v.size == bigVector {
			continue // the same chunks as 10 MiB, a level more (TestFileVectors)
		}
		t.Run(strconv.FormatInt(v.size, 10), func(t *testing.T) {
			p := writeVectorFile(t, dir, v.size)
			dst := newCopyDAG()
			res, err := ImportPath(context.Background(), dst, p, MapFiles())
			if err != nil {
				t.Fatal(err)
			}
			if res.Root.String() != v.cid || hex.EncodeToString(res.SHA256) != v.sha256 || res.Size != uint64(v.size) {
				t.Errorf("got %s %x %d, want %s %s %d", res.Root, res.SHA256, res.Size, v.cid, v.sha256, v.size)
			}
			dst.check(t)
			if strings.Contains(mappedFiles(t), p) {
				t.Errorf("%s is still mapped", p)
			}
		})
	}
	t.Run("tree", func(t *testing.T) {
		root := writeVectorTree(t, t.TempDir())
		dst := newCopyDAG()
		res, err := ImportPath(context.Background(), dst, root, MapFiles())
		if err != nil {
			t.Fatal(err)
		}
		if res.Root.String() != treeCID {
			t.Errorf("tree cid %s, want %s", res.Root, treeCID)
		}
		dst.check(t)
	})
}

// TestMapFilesChanged: a file truncated while it is imported fails the
// import with ErrFileChanged naming it, wherever the truncation lands: in
// the pages the hashes are reading (a fault) or ahead of the reads.
func TestMapFilesChanged(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		after  int64 // bytes imported when the file is truncated
		length int64 // its length after
	}{
		{1 << 20, 0},
		{1 << 20, 3<<20 + 5},
		{8 << 20, 9 << 20},
		{20 << 20, 1},
	} {
		t.Run(strconv.FormatInt(tc.after, 10)+"-"+strconv.FormatInt(tc.length, 10), func(t *testing.T) {
			p := writeVectorFile(t, dir, 32<<20)
			var once sync.Once
			_, err := ImportPath(context.Background(), newCopyDAG(), p, MapFiles(), WithProgress(func(n int64) {
				if n >= tc.after {
					once.Do(func() {
						if err := os.Truncate(p, tc.length); err != nil {
							t.Error(err)
						}
					})
				}
			}))
			if !errors.Is(err, ErrFileChanged) || !strings.Contains(err.Error(), p) {
				t.Fatalf("import: %v, want ErrFileChanged naming %s", err, p)
			}
		})
	}
}

// TestFaultsRecovered: a read of a mapped page past the end of a truncated
// file, in Go or in the hashes' assembly, is ErrFileChanged on a goroutine
// that catches faults; any other panic goes on.
func TestFaultsRecovered(t *testing.T) {
	p := writeVectorFile(t, t.TempDir(), 4<<20)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := unix.Mmap(int(f.Fd()), 0, 4<<20, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(data)
	if err := os.Truncate(p, 1<<20); err != nil {
		t.Fatal(err)
	}
	gone := data[2<<20:]
	for name, read := range map[string]func(){
		"go":        func() { _ = bytes.IndexByte(gone, 1) },
		"writeCold": func() { sha256mb.WriteCold(sha256.New(), gone) },
		"sum": func() {
			sums := make([][sha256mb.Size]byte, 16)
			msgs := make([][]byte, 16)
			for i := range msgs {
				msgs[i] = gone[:1<<16]
			}
			sha256mb.Sum(sums, msgs)
		},
	} {
		t.Run(name, func(t *testing.T) {
			errc := make(chan error)
			go func() {
				defer catchFaults()()
				errc <- func() (err error) {
					defer recoverFault(&err)
					read()
					return nil
				}()
			}()
			if err := <-errc; !errors.Is(err, ErrFileChanged) {
				t.Fatalf("got %v, want ErrFileChanged", err)
			}
		})
	}
	t.Run("other panic", func(t *testing.T) {
		defer func() {
			if r := recover(); r != "other" {
				t.Fatalf("recovered %v, want the panic to go on", r)
			}
		}()
		var err error
		func() {
			defer recoverFault(&err)
			panic("other")
		}()
	})
}

// TestMapFilesGivesPagesBack: a mapped file's pages leave the RSS as the
// import goes, so a file far larger than the chunks in flight never is
// resident whole, and the mapping is gone at the end.
func TestMapFilesGivesPagesBack(t *testing.T) {
	const size = 256 << 20
	p := writeVectorFile(t, t.TempDir(), size)
	base := proctest.RSSFile(t)
	var peak int64
	res, err := ImportPath(context.Background(), &discardDAG{}, p, MapFiles(), WithProgress(func(int64) {
		peak = max(peak, proctest.RSSFile(t))
	}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != size {
		t.Fatalf("size %d", res.Size)
	}
	t.Logf("file-backed RSS: %d MiB before, at most %d MiB during", base>>20, peak>>20)
	if grew := peak - base; grew > size/2 {
		t.Errorf("file-backed RSS grew by %d MiB importing %d MiB", grew>>20, size>>20)
	}
	if strings.Contains(mappedFiles(t), p) {
		t.Errorf("%s is still mapped", p)
	}
}

// TestMapFilesUnmapsEachFile: in a directory of many large files, each file
// is unmapped (and closed) once the store has all its chunks, not when the
// whole import ends.
func TestMapFilesUnmapsEachFile(t *testing.T) {
	const files = 48
	dir := t.TempDir()
	data := make([]byte, 3<<20)
	if _, err := newVectorReader(int64(len(data))).Read(data); err != nil {
		t.Fatal(err)
	}
	for i := range files {
		data[0] = byte(i) // no two files alike
		if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(i)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mappedHere := func() int {
		n := 0
		for _, line := range strings.Split(mappedFiles(t), "\n") {
			if strings.HasPrefix(filepath.Dir(line[strings.LastIndexByte(line, ' ')+1:]), dir) {
				n++
			}
		}
		return n
	}
	most := 0
	_, err := ImportPath(context.Background(), newCopyDAG(), dir, MapFiles(), WithProgress(func(int64) {
		most = max(most, mappedHere())
	}))
	if err != nil {
		t.Fatal(err)
	}
	if n := mappedHere(); n != 0 {
		t.Errorf("%d files still mapped after the import", n)
	}
	t.Logf("at most %d of %d files mapped at once", most, files)
	if most == 0 || most > files/2 {
		t.Errorf("%d of %d files mapped at once, want some but at most half", most, files)
	}
}

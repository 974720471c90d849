package content

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ipld "github.com/ipfs/go-ipld-format"
)

// emptyDirCID is the CIDv1 of an empty UnixFS directory.
const emptyDirCID = "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"

// emptyFileCID is the first line of the vectors: a raw leaf of no bytes.
const emptyFileCID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"

func TestImportEmptyFile(t *testing.T) {
	ctx := context.Background()
	res, err := ImportReader(ctx, memDAG(), bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.Root.String() != emptyFileCID || res.Size != 0 || res.Dir || len(res.SHA256) != 32 {
		t.Errorf("empty reader: %+v", res)
	}
	path := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	res2, err := ImportPath(ctx, memDAG(), path)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Root != res.Root || !bytes.Equal(res2.SHA256, res.SHA256) {
		t.Errorf("empty file: %+v, want %+v", res2, res)
	}
}

func TestImportEmptyDir(t *testing.T) {
	res, err := ImportPath(context.Background(), memDAG(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if res.Root.String() != emptyDirCID || res.Size != 0 || !res.Dir || res.SHA256 != nil {
		t.Errorf("empty dir: %+v", res)
	}
}

func TestImportPathFileMatchesReader(t *testing.T) {
	const size = 3*ChunkSize + 5
	data := make([]byte, size)
	_, _ = newVectorReader(size).Read(data)
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := ImportPath(context.Background(), memDAG(), path)
	if err != nil {
		t.Fatal(err)
	}
	b := importBytes(t, memDAG(), size)
	if a.Root != b.Root || !bytes.Equal(a.SHA256, b.SHA256) || a.Size != size || a.Dir {
		t.Errorf("ImportPath %+v, ImportReader %+v", a, b)
	}
}

func TestImportRejectsSymlinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	// The symlink itself, and a directory holding it.
	for _, p := range []string{link, dir} {
		_, err := ImportPath(context.Background(), memDAG(), p)
		if !errors.Is(err, ErrUnsupportedFile) {
			t.Fatalf("import %s: %v, want ErrUnsupportedFile", p, err)
		}
		if !strings.Contains(err.Error(), link) || !strings.Contains(err.Error(), "symlink") {
			t.Errorf("error %q does not name %s as a symlink", err, link)
		}
	}
	// A symlink to a directory, too.
	dlink := filepath.Join(t.TempDir(), "dlink")
	if err := os.Symlink(dir, dlink); err != nil {
		t.Fatal(err)
	}
	if _, err := ImportPath(context.Background(), memDAG(), dlink); !errors.Is(err, ErrUnsupportedFile) {
		t.Fatalf("import %s: %v, want ErrUnsupportedFile", dlink, err)
	}
}

func TestImportProgress(t *testing.T) {
	const size = 3*ChunkSize + 5
	var calls []int64
	res, err := ImportReader(context.Background(), memDAG(), newVectorReader(size),
		WithProgress(func(n int64) { calls = append(calls, n) }))
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{ChunkSize, 2 * ChunkSize, 3 * ChunkSize, size}
	if len(calls) != len(want) {
		t.Fatalf("progress %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Fatalf("progress %v, want %v", calls, want)
		}
	}
	if res.Size != size {
		t.Errorf("size %d", res.Size)
	}

	// Over a directory the count runs on across files.
	var last int64
	res, err = ImportPath(context.Background(), memDAG(), writeVectorTree(t, t.TempDir()),
		WithProgress(func(n int64) {
			if n < last {
				t.Errorf("progress went back from %d to %d", last, n)
			}
			last = n
		}))
	if err != nil {
		t.Fatal(err)
	}
	if uint64(last) != res.Size {
		t.Errorf("progress ended at %d, tree has %d bytes", last, res.Size)
	}
}

func TestImportCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ImportReader(ctx, memDAG(), newVectorReader(10*ChunkSize)); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled up front: %v", err)
	}
	if _, err := ImportPath(ctx, memDAG(), writeVectorTree(t, t.TempDir())); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled up front, directory: %v", err)
	}

	// Canceled part way: it stops at the next chunk.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var read int64
	_, err := ImportReader(ctx, memDAG(), newVectorReader(100*ChunkSize), WithProgress(func(n int64) {
		read = n
		if n >= 3*ChunkSize {
			cancel()
		}
	}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled part way: %v", err)
	}
	if read > 4*ChunkSize {
		t.Errorf("read %d bytes after being canceled at %d", read, 3*ChunkSize)
	}
}

// slowDAG is a DAG service whose writes take a while; it tracks them.
type slowDAG struct {
	discardDAG
	inFlight, calls atomic.Int64
}

func (d *slowDAG) AddMany(ctx context.Context, nds []ipld.Node) error {
	d.calls.Add(1)
	d.inFlight.Add(1)
	defer d.inFlight.Add(-1)
	time.Sleep(20 * time.Millisecond)
	return d.discardDAG.AddMany(ctx, nds)
}

func (d *slowDAG) Add(ctx context.Context, nd ipld.Node) error {
	return d.AddMany(ctx, []ipld.Node{nd})
}

// countingReader counts Read calls.
type countingReader struct {
	r     io.Reader
	reads atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.r.Read(p)
}

// TestImportNoWriteAfterError checks that after a failed import no write to
// the destination is still running or starts later, so a caller may roll
// back, and that the reader is no longer used.
func TestImportNoWriteAfterError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dst := &slowDAG{}
	r := &countingReader{r: newVectorReader(64 * ChunkSize)}
	_, err := ImportReader(ctx, dst, r, WithProgress(func(n int64) {
		if n >= 24*ChunkSize {
			cancel()
		}
	}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("import: %v", err)
	}
	if n := dst.inFlight.Load(); n != 0 {
		t.Errorf("%d writes still running after return", n)
	}
	calls, reads := dst.calls.Load(), r.reads.Load()
	time.Sleep(100 * time.Millisecond)
	if later := dst.calls.Load(); later != calls {
		t.Errorf("%d writes started after return", later-calls)
	}
	if later := r.reads.Load(); later != reads {
		t.Errorf("%d reads after return", later-reads)
	}
}

// failingDAG fails every write.
type failingDAG struct{ discardDAG }

var errDisk = errors.New("disk on fire")

func (*failingDAG) Add(context.Context, ipld.Node) error       { return errDisk }
func (*failingDAG) AddMany(context.Context, []ipld.Node) error { return errDisk }

func TestImportWriteError(t *testing.T) {
	r := &countingReader{r: newVectorReader(200 * ChunkSize)}
	_, err := ImportReader(context.Background(), &failingDAG{}, r)
	if !errors.Is(err, errDisk) {
		t.Fatalf("import: %v, want the write error", err)
	}
	// It stops soon after the first failed batch, not at the end of the input.
	if n := r.reads.Load(); n > 50 {
		t.Errorf("%d reads before stopping", n)
	}
	if _, err := ImportPath(context.Background(), &failingDAG{}, writeVectorTree(t, t.TempDir())); !errors.Is(err, errDisk) {
		t.Fatalf("import of a directory: %v, want the write error", err)
	}
}

// TestImportMemoryBounded imports 512 MiB and checks that the live heap
// stays far below that: nothing holds the whole file.
func TestImportMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 512 MiB")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()

	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(samples)
			peak = max(peak, samples[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	const size = 512 << 20
	dst := &discardDAG{}
	res, err := ImportReader(context.Background(), dst, newPatternReader(size))
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != size || dst.bytes.Load() < size {
		t.Fatalf("imported %d bytes, wrote %d", res.Size, dst.bytes.Load())
	}
	const limit = 64 << 20
	t.Logf("peak live heap %.1f MiB while importing %d MiB", float64(peak)/(1<<20), size>>20)
	if peak > limit {
		t.Errorf("peak live heap %d bytes, want under %d", peak, limit)
	}
}

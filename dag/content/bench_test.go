package content

import (
	"context"
	"io"
	"math/rand/v2"
	"testing"
)

// patternReader yields size bytes cycling through a fixed pseudo-random
// pattern whose length is not a multiple of the chunk size, so that chunks
// differ. It costs a memcpy per byte, so it measures the importer alone.
type patternReader struct {
	pat  []byte
	off  int
	left int64
}

func newPatternReader(size int64) *patternReader {
	pat := make([]byte, ChunkSize+4099)
	rng := rand.NewChaCha8([32]byte{'c', 'a', 'i', 'r', 'n'})
	_, _ = rng.Read(pat)
	return &patternReader{pat: pat, left: size}
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.pat[r.off:])
		n += k
		r.off = (r.off + k) % len(r.pat)
	}
	r.left -= int64(n)
	return n, nil
}

// BenchmarkImport imports 256 MiB into a discarding DAG service; the MB/s it
// reports is the import throughput, both hashes (CID and plain SHA-256)
// included. MB/cpu-s is the same bytes per second of process CPU time, which
// other load on the machine does not skew: wall-clock MB/s approaches twice
// it when the two hashing goroutines each have a core of their own.
func BenchmarkImport(b *testing.B) {
	const size = 256 << 20
	b.SetBytes(size)
	b.ReportAllocs()
	ctx := context.Background()
	cpu := processCPU()
	for b.Loop() {
		if _, err := ImportReader(ctx, &discardDAG{}, newPatternReader(size)); err != nil {
			b.Fatal(err)
		}
	}
	if cpu = processCPU() - cpu; cpu > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

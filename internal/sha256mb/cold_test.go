package sha256mb

import (
	"crypto/sha256"
	"hash"
	"math/rand/v2"
	"testing"
)

// TestWriteCold: every length around the steps, and a large one, hashes as
// one Write does.
func TestWriteCold(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 1<<20+7)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	for _, n := range []int{0, 1, 63, 64, coldStep - 1, coldStep, coldStep + 1, 2 * coldStep, 2*coldStep + 1, 3*coldStep - 1, 3 * coldStep, 3*coldStep + 5, 1 << 20, len(data)} {
		h := sha256.New()
		WriteCold(h, data[:n])
		if got, want := [Size]byte(h.Sum(nil)), sha256.Sum256(data[:n]); got != want {
			t.Fatalf("%d bytes: got %x, want %x", n, got, want)
		}
	}
}

// BenchmarkWriteCold hashes a buffer far larger than the CPU's caches, a
// MiB at a time, so each MiB comes from memory: with WriteCold, and with
// the hash's own Write.
func BenchmarkWriteCold(b *testing.B) {
	const size = 512 << 20
	data := make([]byte, size)
	for i := 0; i < size; i += 4096 {
		data[i] = byte(i >> 12)
	}
	for _, bc := range []struct {
		name  string
		write func(h hash.Hash, b []byte)
	}{
		{"WriteCold", WriteCold},
		{"Write", func(h hash.Hash, b []byte) { h.Write(b) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(1 << 20)
			h := sha256.New()
			off := 0
			for b.Loop() {
				bc.write(h, data[off:off+1<<20])
				off = (off + 1<<20) % size
			}
		})
	}
}

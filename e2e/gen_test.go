package e2e

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"testing"
)

// vectorFile writes the file of the shared UnixFS test vectors: the
// concatenation of SHA-256("cairn-vector" || k), k = 0, 1, ... as 64-bit
// big-endian, truncated to size (see dag/content/testdata).
func vectorFile(t *testing.T, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var buf [20]byte
	copy(buf[:], "cairn-vector")
	for k, left := uint64(0), size; left > 0; k++ {
		binary.BigEndian.PutUint64(buf[12:], k)
		sum := sha256.Sum256(buf[:])
		n := min(left, int64(len(sum)))
		w.Write(sum[:n])
		left -= n
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// randomFile writes size pseudo-random bytes (seeded, so reproducible) and
// returns their SHA-256 in hex.
func randomFile(t *testing.T, path string, size int64, seed uint64) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	src := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	if _, err := io.CopyN(io.MultiWriter(f, h), src, size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fileSHA256 hashes a file in a stream.
func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

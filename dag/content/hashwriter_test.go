package content

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"testing"
)

// TestHashWriter writes in pieces of awkward sizes, some larger than a buffer,
// and compares with a plain SHA-256.
func TestHashWriter(t *testing.T) {
	data := make([]byte, 9*hashBufSize+123)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(data)
	rng := rand.New(rand.NewPCG(1, 2))
	w := newHashWriter(context.Background())
	for p := data; len(p) > 0; {
		k := min(len(p), rng.IntN(3*hashBufSize/2)+1)
		n, err := w.Write(p[:k])
		if err != nil || n != k {
			t.Fatalf("write %d: %d, %v", k, n, err)
		}
		clear(p[:k]) // the writer must have copied what it keeps
		p = p[k:]
	}
	got, err := w.finish()
	if err != nil {
		t.Fatal(err)
	}
	_, _ = rand.NewChaCha8([32]byte{1}).Read(data)
	want := sha256.Sum256(data)
	if !bytes.Equal(got, want[:]) {
		t.Errorf("sha256 %x, want %x", got, want)
	}
}

func TestHashWriterCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	w := newHashWriter(ctx)
	if _, err := w.Write(make([]byte, 3*hashBufSize)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := w.Write([]byte("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("write after cancel: %v", err)
	}
	w.abort()
}

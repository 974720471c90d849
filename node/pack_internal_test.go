package node

// A content block stored in a pack file (docs/repo.md §4) and altered on disk
// is caught by every checked read, and handed to the verifier as stored, so
// that the block check makes it a corrupt-block verdict.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/trust"
)

func TestCorruptPackedContentBlock(t *testing.T) {
	ctx := context.Background()
	r := testRepo(t, nil)
	file := filepath.Join(t.TempDir(), "f.bin")
	data := make([]byte, 3<<20)
	x := uint32(2463534242) // xorshift: no two chunks alike
	for i := range data {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		data[i] = byte(x)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	name, err := dag.ParseName("acme/packed")
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Publish(ctx, PublishRequest{Paths: []string{file}, Name: name, Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	packs, err := filepath.Glob(filepath.Join(r.Dir(), "store", "packs", "*.pack"))
	if err != nil || len(packs) != 1 {
		t.Fatalf("pack files %v, %v; want one", packs, err)
	}
	// Alter the first byte of the file's first chunk, wherever it was packed.
	pack, err := os.ReadFile(packs[0])
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(pack, data[:4096])
	if at < 0 {
		t.Fatal("the file's first bytes are not in the pack")
	}
	pack[at] ^= 1
	if err := os.WriteFile(packs[0], pack, 0o600); err != nil {
		t.Fatal(err)
	}

	root, err := r.store.DAGService().Get(ctx, res.Layers[0].Content)
	if err != nil {
		t.Fatal(err)
	}
	leaf := root.Links()[0].Cid
	if _, err := r.store.Block(ctx, leaf); !errors.Is(err, dag.ErrHashMismatch) {
		t.Errorf("Block(leaf): err = %v, want ErrHashMismatch", err)
	}
	raw, err := trust.StoreSource{Store: r.store}.Block(ctx, leaf)
	if err != nil {
		t.Fatalf("verifier's read: %v", err)
	}
	if err := dag.CheckBlock(leaf, raw); !errors.Is(err, dag.ErrHashMismatch) {
		t.Errorf("block check of the verifier's bytes: %v, want ErrHashMismatch (corrupt-block)", err)
	}
	_, err = r.Get(ctx, res.Package, filepath.Join(t.TempDir(), "out"), GetOptions{})
	if err == nil {
		t.Error("Get of a package with an altered content block succeeded")
	}
}

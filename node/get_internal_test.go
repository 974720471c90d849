package node

// Get of packages whose recorded size, SHA-256 or kind does not match their
// content: such packages cannot be made through Publish, so they are written
// straight into the store. A mismatch must never leave anything at out, nor
// replace what was there (with Overwrite).

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store/storetest"
)

func TestGetRejectsLayersThatDoNotMatchThePackage(t *testing.T) {
	ctx := context.Background()
	r := testRepo(t, nil)

	src := t.TempDir()
	file := filepath.Join(src, "f.bin")
	data := make([]byte, 1<<20+1000)
	for i := range data {
		data[i] = byte(i * 31)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(src, "d")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "x"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	name, err := dag.ParseName("acme/good")
	if err != nil {
		t.Fatal(err)
	}
	good, err := r.Publish(ctx, PublishRequest{Paths: []string{file, sub}, Name: name, Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	goodPkg, err := r.Package(ctx, good.Package)
	if err != nil {
		t.Fatal(err)
	}
	fileLayer, dirLayer := goodPkg.Layers[0], goodPkg.Layers[1]

	badSum := append([]byte{}, fileLayer.SHA256...)
	badSum[0] ^= 1
	for _, tc := range []struct {
		name    string
		layers  []dag.Layer
		opts    GetOptions
		wantErr error
	}{
		{"wrong sha256", []dag.Layer{{Name: "f.bin", MediaType: "application/octet-stream", Size: fileLayer.Size, SHA256: badSum, Content: fileLayer.Content}}, GetOptions{}, ErrLayerMismatch},
		{"wrong size", []dag.Layer{{Name: "f.bin", MediaType: "application/octet-stream", Size: fileLayer.Size + 1, SHA256: fileLayer.SHA256, Content: fileLayer.Content}}, GetOptions{}, ErrLayerMismatch},
		{"wrong directory size", []dag.Layer{{Name: "d", MediaType: dag.DirectoryMediaType, Size: dirLayer.Size + 1, Content: dirLayer.Content}}, GetOptions{}, ErrLayerMismatch},
		{"file layer with directory content", []dag.Layer{{Name: "f.bin", MediaType: "application/octet-stream", Size: dirLayer.Size, SHA256: fileLayer.SHA256, Content: dirLayer.Content}}, GetOptions{}, ErrLayerMismatch},
		{"directory layer with file content", []dag.Layer{{Name: "d", MediaType: dag.DirectoryMediaType, Size: fileLayer.Size, Content: fileLayer.Content}}, GetOptions{}, ErrLayerMismatch},
		{"one bad layer of two", []dag.Layer{dirLayer, {Name: "f.bin", MediaType: "application/octet-stream", Size: fileLayer.Size, SHA256: badSum, Content: fileLayer.Content}}, GetOptions{}, ErrLayerMismatch},
		{"bad layer of two over an existing path", []dag.Layer{dirLayer, {Name: "f.bin", MediaType: "application/octet-stream", Size: fileLayer.Size, SHA256: badSum, Content: fileLayer.Content}}, GetOptions{Overwrite: true}, ErrLayerMismatch},
		{"bad directory layer over an existing path", []dag.Layer{{Name: "d", MediaType: dag.DirectoryMediaType, Size: dirLayer.Size + 1, Content: dirLayer.Content}}, GetOptions{Overwrite: true}, ErrLayerMismatch},
		{"bad layer over an existing path", []dag.Layer{{Name: "f.bin", MediaType: "application/octet-stream", Size: fileLayer.Size, SHA256: badSum, Content: fileLayer.Content}}, GetOptions{Overwrite: true}, ErrLayerMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := storetest.PutPackage(t, r.store, &dag.Package{Name: name, Version: "9.0.0-" + filepathSafe(tc.name), Layers: tc.layers})
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			if tc.opts.Overwrite {
				if err := os.WriteFile(out, []byte("keep me"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// Unsigned, these forgeries are refused by the verdict first; the
			// layer check is the second defence, for a package signed wrong.
			if _, err := r.Get(ctx, c, out, tc.opts); !errors.Is(err, ErrUntrusted) {
				t.Fatalf("Get of an unsigned package: err = %v, want ErrUntrusted", err)
			}
			opts := tc.opts
			opts.Unverified = true
			_, err := r.Get(ctx, c, out, opts)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Get: err = %v, want one wrapping %v", err, tc.wantErr)
			}
			if tc.opts.Overwrite {
				if got, err := os.ReadFile(out); err != nil || string(got) != "keep me" {
					t.Errorf("a failed Get with Overwrite replaced the existing file: %q, %v", got, err)
				}
			} else if _, err := os.Lstat(out); !os.IsNotExist(err) {
				t.Errorf("a failed Get left %s: %v", out, err)
			}
			ents, _ := os.ReadDir(parent)
			if want := map[bool]int{true: 1, false: 0}[tc.opts.Overwrite]; len(ents) != want {
				t.Errorf("parent holds %v, want %d entries", ents, want)
			}
		})
	}
}

func filepathSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '-'
		}
	}
	return string(b)
}

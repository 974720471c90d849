package node

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnpkg/cairn/dag"
)

// TestRemoveRetained: a mirror rule's retention removes a package its own
// rule matches (which stops a plain rm), but not one another rule mirrors
// or another pinned package depends on.
func TestRemoveRetained(t *testing.T) {
	ctx := context.Background()
	r := testRepo(t, nil)
	file := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(file, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	name, err := dag.ParseName("acme/app")
	if err != nil {
		t.Fatal(err)
	}
	pub := func(version string) *PublishResult {
		res, err := r.Publish(ctx, PublishRequest{Paths: []string{file}, Name: name, Version: version})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	one, two := pub("1.0.0"), pub("2.0.0")
	if _, err := r.AddMirror(ctx, "acme/*", MirrorOptions{Keep: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Remove(ctx, "acme/app@1.0.0", false); !errors.Is(err, ErrInUse) {
		t.Fatalf("rm without --force = %v, want ErrInUse (the rule matches)", err)
	}
	if err := r.removeRetained(ctx, one.Package, "acme/*"); err != nil {
		t.Fatalf("removeRetained by the rule that matches: %v", err)
	}
	if ok, _ := r.store.IsPinned(ctx, one.Package); ok {
		t.Error("acme/app@1.0.0 is still pinned")
	}

	if _, err := r.AddMirror(ctx, "acme/app", MirrorOptions{}); err != nil {
		t.Fatal(err)
	}
	err = r.removeRetained(ctx, two.Package, "acme/*")
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "rule acme/app") || strings.Contains(err.Error(), "rule acme/*") {
		t.Fatalf("removeRetained while another rule matches = %v, want ErrInUse naming acme/app only", err)
	}
	if ok, _ := r.store.IsPinned(ctx, two.Package); !ok {
		t.Error("acme/app@2.0.0 was removed although another rule mirrors it")
	}
}

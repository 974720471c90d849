package node_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node"
)

// TestBundleCarriesYankAndRevocation: a bundle carries its signers' whole
// logs and the revocations held of them, so a node that learns of a package
// only through bundles also learns that a later version was yanked and that
// the key was revoked from a seq on.
func TestBundleCarriesYankAndRevocation(t *testing.T) {
	ctx := context.Background()
	a := newRepo(t)
	dir := t.TempDir()
	var pkgs []*node.PublishResult
	for i, v := range []string{"1.0.0", "1.0.1"} {
		f := filepath.Join(dir, v)
		writeFile(t, f, randomBytes(1000, uint64(i)))
		pkgs = append(pkgs, publish(t, a, node.PublishRequest{Paths: []string{f}, Name: mustName(t, "acme/app"), Version: v, Now: fixedNow}))
	}
	ref101, _ := dag.ParseRef("acme/app@1.0.1")
	if _, err := a.Yank(ctx, ref101, "broken build", ""); err != nil {
		t.Fatal(err)
	}
	export := func() []byte {
		t.Helper()
		var buf bytes.Buffer
		if _, err := a.Export(ctx, pkgs[0].Package, &buf, node.ExportOptions{}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	versions := func(r *node.Repo) map[string]node.VersionView {
		t.Helper()
		vs, err := r.Versions(ctx, mustName(t, "acme/app"))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]node.VersionView{}
		for _, v := range vs {
			out[v.Version] = v
		}
		return out
	}

	b := newRepo(t)
	trust(t, a, b, "acme/*")
	if _, err := b.Import(ctx, bytes.NewReader(export()), node.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	vs := versions(b)
	if v := vs["1.0.1"]; !v.Yank.Yanked() || v.Yank.Reason != "broken build" {
		t.Errorf("1.0.1 on b: %+v, want yanked: broken build", v)
	}
	if v := vs["1.0.0"]; v.Status != node.VersionTrusted || v.Yank != nil {
		t.Errorf("1.0.0 on b: %+v, want trusted, not yanked", v)
	}

	// A revocation made in advance, from seq 2 (the release of 1.0.1) on,
	// imported on a: the next bundle carries it.
	_, data, err := a.ExportRevocation(ctx, "", "laptop stolen", 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ImportRevocation(ctx, data); err != nil {
		t.Fatal(err)
	}
	c := newRepo(t)
	trust(t, a, c, "acme/*")
	res, err := c.Import(ctx, bytes.NewReader(export()), node.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Revocations != 1 {
		t.Errorf("import counted %d revocations, want 1", res.Revocations)
	}
	vs = versions(c)
	if v := vs["1.0.1"]; v.Status != node.VersionUntrusted || !strings.Contains(v.Reason, "revoked-key") {
		t.Errorf("1.0.1 on c: %s (%s), want untrusted, revoked-key", v.Status, v.Reason)
	}
	if v := vs["1.0.0"]; v.Status != node.VersionTrusted {
		t.Errorf("1.0.0 on c, before the revoked seq: %s (%s), want trusted", v.Status, v.Reason)
	}
}

package node_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node"
	"github.com/cairnpkg/cairn/sign"
)

func TestPublishGetInspectVerify(t *testing.T) {
	ctx := context.Background()
	r := newRepo(t)
	src := t.TempDir()
	defaultKey, err := r.Keys().Get("default")
	if err != nil {
		t.Fatal(err)
	}

	fileData := randomBytes(3<<20+17, 10)
	file := filepath.Join(src, "hello.wasm")
	writeFile(t, file, fileData)
	tree := testTree(t, src, "site")

	var fileRes, dirRes *node.PublishResult
	t.Run("publish a file", func(t *testing.T) {
		var progress []int64
		fileRes = publish(t, r, node.PublishRequest{
			Paths: []string{file}, Name: mustName(t, "acme/hello"), Version: "1.0.0",
			Entries: dagtest.Entries(t), Now: fixedNow,
			Progress: func(n int64) { progress = append(progress, n) },
		})
		sum := sha256.Sum256(fileData)
		want := node.LayerView{Name: "hello.wasm", MediaType: "application/wasm", Size: uint64(len(fileData)), SHA256: hex.EncodeToString(sum[:])}
		if len(fileRes.Layers) != 1 {
			t.Fatalf("layers = %+v", fileRes.Layers)
		}
		got := fileRes.Layers[0]
		got.Content = cid.Undef
		if got != want {
			t.Errorf("layer = %+v, want %+v", got, want)
		}
		if fileRes.Name != "acme/hello" || fileRes.Version != "1.0.0" || fileRes.Signer != defaultKey.DID() {
			t.Errorf("result = %+v", fileRes)
		}
		if fileRes.TrustAdded != "acme/*" {
			t.Errorf("TrustAdded = %q, want acme/*", fileRes.TrustAdded)
		}
		if len(progress) == 0 || progress[len(progress)-1] != int64(len(fileData)) {
			t.Errorf("progress = %v, want to end at %d", progress, len(fileData))
		}
		for _, c := range []cid.Cid{fileRes.Package, fileRes.Metadata, fileRes.Signature} {
			if c.Prefix().Codec != cid.DagCBOR {
				t.Errorf("node %s is not dag-cbor", c)
			}
		}
	})
	if fileRes == nil {
		t.FailNow()
	}

	t.Run("publish a directory", func(t *testing.T) {
		dirRes = publish(t, r, node.PublishRequest{Paths: []string{tree}, Name: mustName(t, "acme/site"), Version: "0.1.0-rc.1"})
		if len(dirRes.Layers) != 1 {
			t.Fatalf("layers = %+v", dirRes.Layers)
		}
		l := dirRes.Layers[0]
		if l.Name != "site" || l.MediaType != dag.DirectoryMediaType || l.SHA256 != "" {
			t.Errorf("layer = %+v", l)
		}
		if want := uint64(8 + 300<<10 + 2<<20 + 123); l.Size != want {
			t.Errorf("layer size = %d, want %d", l.Size, want)
		}
		if dirRes.TrustAdded != "" {
			t.Errorf("second publish in acme added rule %q", dirRes.TrustAdded)
		}
	})
	if dirRes == nil {
		t.FailNow()
	}

	t.Run("policy", func(t *testing.T) {
		p, err := r.Policy()
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Rules) != 1 || p.Rules[0].Pattern != "acme/*" || len(p.Rules[0].Keys) != 1 || p.Rules[0].Keys[0] != defaultKey.DID() {
			t.Errorf("policy rules = %+v, want one acme/* rule for %s", p.Rules, defaultKey.DID())
		}
	})

	t.Run("get", func(t *testing.T) {
		out := t.TempDir()
		res, err := r.Get(ctx, fileRes.Package, filepath.Join(out, "f"), node.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, "f"))
		if err != nil || string(got) != string(fileData) {
			t.Errorf("Get wrote %d bytes (%v), want the published %d", len(got), err, len(fileData))
		}
		if res.Size != uint64(len(fileData)) || len(res.Layers) != 1 {
			t.Errorf("GetResult = %+v", res)
		}
		if _, err := r.Get(ctx, dirRes.Package, filepath.Join(out, "d"), node.GetOptions{}); err != nil {
			t.Fatal(err)
		}
		sameTree(t, tree, filepath.Join(out, "d"))
	})

	t.Run("resolve", func(t *testing.T) {
		for s, want := range map[string]cid.Cid{
			"acme/hello@1.0.0":       fileRes.Package,
			"acme/site@0.1.0-rc.1":   dirRes.Package,
			fileRes.Package.String(): fileRes.Package,
		} {
			got, err := r.Resolve(ctx, s)
			if err != nil || !got.Equals(want) {
				t.Errorf("Resolve(%q) = %s, %v; want %s", s, got, err, want)
			}
		}
		if _, err := r.Resolve(ctx, "acme/hello@9.9.9"); !errors.Is(err, node.ErrNotFound) {
			t.Errorf("Resolve of an unknown version: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("inspect", func(t *testing.T) {
		v, err := r.Inspect(ctx, fileRes.Package)
		if err != nil {
			t.Fatal(err)
		}
		if !v.CID.Equals(fileRes.Package) || v.Name != "acme/hello" || v.Version != "1.0.0" {
			t.Errorf("view = %+v", v)
		}
		if len(v.Layers) != 1 || v.Layers[0] != fileRes.Layers[0] {
			t.Errorf("layers = %+v, want %+v", v.Layers, fileRes.Layers)
		}
		if v.Status != sign.Valid || v.Code != sign.CodeOK {
			t.Errorf("status = %s %s %s", v.Status, v.Code, v.Reason)
		}
		if len(v.Metadata) != 1 {
			t.Fatalf("metadata = %+v", v.Metadata)
		}
		m := v.Metadata[0]
		if !m.CID.Equals(fileRes.Metadata) || m.Kind != dag.KindBuild || m.Status != sign.Valid {
			t.Errorf("metadata view = %+v", m)
		}
		if m.Created == nil || !m.Created.Equal(dagtest.Time()) {
			t.Errorf("metadata created = %v, want %v", m.Created, dagtest.Time())
		}
		for _, want := range []string{`"expression":"Apache-2.0 OR MIT"`, `"repository":"https://example.com/acme/hello.git"`} {
			if !strings.Contains(string(m.Entries), want) {
				t.Errorf("entries %s do not contain %s", m.Entries, want)
			}
		}
		if len(m.Signatures) != 1 {
			t.Fatalf("signatures = %+v", m.Signatures)
		}
		s := m.Signatures[0]
		if !s.CID.Equals(fileRes.Signature) || s.Signer != defaultKey.DID() || s.Role != dag.RolePublisher || s.Status != sign.Valid {
			t.Errorf("signature view = %+v", s)
		}
		if s.Created == nil || !s.Created.Equal(dagtest.Time()) {
			t.Errorf("signature created = %v", s.Created)
		}
	})

	t.Run("verify", func(t *testing.T) {
		for _, c := range []cid.Cid{fileRes.Package, dirRes.Package} {
			rep, err := r.Verify(ctx, c, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Trusted() || rep.Rule != "acme/*" {
				t.Errorf("Verify(%s) = %s %s %s (rule %q), want trusted by acme/*", c, rep.Status, rep.Code, rep.Reason, rep.Rule)
			}
		}
		// Against an empty policy, the same package is untrusted.
		rep, err := r.Verify(ctx, fileRes.Package, &sign.Policy{Version: sign.PolicyVersion})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Trusted() || rep.Code != sign.CodeNoRule {
			t.Errorf("Verify with an empty policy = %s %s", rep.Status, rep.Code)
		}
		if _, err := r.Verify(ctx, fileRes.Metadata, nil); !errors.Is(err, node.ErrNotPackage) {
			t.Errorf("Verify of a metadata set: err = %v, want ErrNotPackage", err)
		}
	})

	t.Run("stat", func(t *testing.T) {
		st := repoStat(t, r)
		// Each publish pins content root, package, metadata set, signature and
		// the signer's log entry, and indexes two referrers.
		if st.Versions != 2 || st.Pins != 10 || st.Refs != 4 || st.Journal != 0 || st.Logs != 2 {
			t.Errorf("Stat = %+v", st)
		}
		if st.Bytes < uint64(len(fileData))+dirRes.Layers[0].Size {
			t.Errorf("Stat.Bytes = %d, less than the content", st.Bytes)
		}
		if st.Dir != r.Dir() || st.DiskBytes == 0 {
			t.Errorf("Stat = %+v", st)
		}
	})

	t.Run("republish the same package", func(t *testing.T) {
		before := repoStat(t, r).Stat
		again := publish(t, r, node.PublishRequest{
			Paths: []string{file}, Name: mustName(t, "acme/hello"), Version: "1.0.0",
			Entries: dagtest.Entries(t), Now: fixedNow,
		})
		if !again.Package.Equals(fileRes.Package) || !again.Metadata.Equals(fileRes.Metadata) || !again.Signature.Equals(fileRes.Signature) {
			t.Errorf("republish = %+v, want %+v", again, fileRes)
		}
		if st := repoStat(t, r).Stat; st != before {
			t.Errorf("Stat = %+v, want %+v", st, before)
		}
	})

	t.Run("auto-trust in another namespace", func(t *testing.T) {
		res := publish(t, r, node.PublishRequest{Paths: []string{file}, Name: mustName(t, "other/hello"), Version: "1.0.0"})
		if res.TrustAdded != "other/*" {
			t.Errorf("TrustAdded = %q, want other/*", res.TrustAdded)
		}
		p, err := r.Policy()
		if err != nil || len(p.Rules) != 2 {
			t.Errorf("policy = %+v, %v; want two rules", p, err)
		}
	})
}

func TestPublishMultipleLayersAndMediaType(t *testing.T) {
	r := newRepo(t)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "notes.TXT"), []byte("notes"))
	writeFile(t, filepath.Join(src, "data.unknownext"), []byte("data"))
	writeFile(t, filepath.Join(src, "sub", "notes.TXT"), []byte("other notes"))
	tree := testTree(t, src, "tree")

	for _, tc := range []struct {
		name      string
		paths     []string
		mediaType string
		want      []string // media types
		wantNames []string // layer names, when checked
		wantErr   error
	}{
		{"table lookup is case-insensitive", []string{filepath.Join(src, "notes.TXT")}, "", []string{"text/plain; charset=utf-8"}, []string{"notes.TXT"}, nil},
		{"unknown extension", []string{filepath.Join(src, "data.unknownext")}, "", []string{node.DefaultMediaType}, nil, nil},
		{"override", []string{filepath.Join(src, "data.unknownext")}, "application/x-custom", []string{"application/x-custom"}, nil, nil},
		{"two layers", []string{filepath.Join(src, "notes.TXT"), tree}, "", []string{"text/plain; charset=utf-8", dag.DirectoryMediaType}, []string{"notes.TXT", "tree"}, nil},
		{"directory named by dot", []string{tree + "/."}, "", []string{dag.DirectoryMediaType}, []string{"tree"}, nil},
		{"directory with trailing slash", []string{tree + "/"}, "", []string{dag.DirectoryMediaType}, []string{"tree"}, nil},
		{"override for a directory", []string{tree}, "application/x-custom", nil, nil, node.ErrInvalidInput},
		{"override with two paths", []string{filepath.Join(src, "notes.TXT"), tree}, "text/plain", nil, nil, node.ErrInvalidInput},
		{"duplicate layer name", []string{filepath.Join(src, "notes.TXT"), filepath.Join(src, "sub", "notes.TXT")}, "", nil, nil, node.ErrInvalidInput},
		{"no paths", nil, "", nil, nil, node.ErrInvalidInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := repoStat(t, r).Stat
			res, err := r.Publish(context.Background(), node.PublishRequest{
				Paths: tc.paths, Name: mustName(t, "acme/layers"), Version: "1.0.0-" + strings.ReplaceAll(tc.name, " ", "-"),
				MediaType: tc.mediaType,
			})
			if tc.wantErr != nil {
				wantErrIs(t, err, tc.wantErr)
				if st := repoStat(t, r).Stat; st != before {
					t.Errorf("Stat = %+v, want %+v", st, before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got, names []string
			for _, l := range res.Layers {
				got = append(got, l.MediaType)
				names = append(names, l.Name)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("media types = %q, want %q", got, tc.want)
			}
			if tc.wantNames != nil && strings.Join(names, "|") != strings.Join(tc.wantNames, "|") {
				t.Errorf("layer names = %q, want %q", names, tc.wantNames)
			}
		})
	}
}

// TestPublishFailureLeavesStoreUnchanged runs failing publishes against a repo
// that already holds a package and checks the store is exactly as before.
func TestPublishFailureLeavesStoreUnchanged(t *testing.T) {
	ctx := context.Background()
	r := newRepo(t)
	src := t.TempDir()
	file := filepath.Join(src, "app.bin")
	writeFile(t, file, randomBytes(1<<20+5, 20))
	prev := publish(t, r, node.PublishRequest{Paths: []string{file}, Name: mustName(t, "acme/app"), Version: "1.0.0"})

	other := filepath.Join(src, "other.bin")
	writeFile(t, other, randomBytes(3<<20, 21)) // new blocks a failed publish must roll back
	withLink := filepath.Join(src, "withlink")
	writeFile(t, filepath.Join(withLink, "a-big-file"), randomBytes(2<<20, 22))
	writeFile(t, filepath.Join(withLink, "b", "file"), randomBytes(1000, 23))
	if err := os.Symlink("a-big-file", filepath.Join(withLink, "z-link")); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(src, "big.bin")
	writeFile(t, big, randomBytes(64<<20, 24))
	// shrinking is truncated during its import: its chunks, read from a
	// mapping, fault or are refused (content.MapFiles).
	shrinking := filepath.Join(src, "shrinking.bin")
	writeFile(t, shrinking, randomBytes(32<<20, 25))

	okName := mustName(t, "acme/new")
	_, absent := dagtest.MustEncode(t, dagtest.Package(t, "acme/absent", "1.0.0", []byte("never stored")))

	// writerFree fails if the store's writer slot is still held (a failed
	// Publish that neither committed nor aborted its Txn): a Sign that changes
	// nothing (the same signature again) must get through quickly.
	probe := node.SignRequest{Metadata: prev.Metadata, Now: fixedNow}
	if _, err := r.Sign(ctx, probe); err != nil {
		t.Fatal(err)
	}
	leaked := false
	writerFree := func(t *testing.T) {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := r.Sign(ctx, probe); err != nil {
			leaked = true
			t.Fatalf("the store's writer slot is still held after a failed Publish: %v", err)
		}
	}

	for _, tc := range []struct {
		name   string
		req    node.PublishRequest
		cancel int64 // cancel the context once Progress reports this many bytes
		// truncate shrinking to 3 MiB once Progress reports this many bytes
		truncate int64
		wantErr  []error
	}{
		{"missing path", node.PublishRequest{Paths: []string{filepath.Join(src, "nope")}, Name: okName, Version: "1.0.0"},
			0, 0, []error{node.ErrInvalidInput, os.ErrNotExist}},
		{"invalid version", node.PublishRequest{Paths: []string{other}, Name: okName, Version: "1.0"},
			0, 0, []error{dag.ErrInvalidVersion}},
		{"invalid name", node.PublishRequest{Paths: []string{other}, Name: dag.Name{Namespace: "Acme", Short: "x"}, Version: "1.0.0"},
			0, 0, []error{dag.ErrInvalidName}},
		{"unknown key", node.PublishRequest{Paths: []string{other}, Name: okName, Version: "1.0.0", Key: "nokey"},
			0, 0, []error{sign.ErrKeyNotFound}},
		{"missing key file", node.PublishRequest{Paths: []string{other}, Name: okName, Version: "1.0.0", Key: filepath.Join(src, "nokey.pem")},
			0, 0, []error{sign.ErrKeyNotFound}},
		{"input is content", node.PublishRequest{Paths: []string{other}, Name: okName, Version: "1.0.0", Inputs: []cid.Cid{prev.Layers[0].Content}},
			0, 0, []error{node.ErrNotPackage}},
		{"input is a metadata set", node.PublishRequest{Paths: []string{other}, Name: okName, Version: "1.0.0", Inputs: []cid.Cid{prev.Metadata}},
			0, 0, []error{node.ErrNotPackage}},
		{"input is a signature", node.PublishRequest{Paths: []string{other}, Name: okName, Version: "1.0.0", Inputs: []cid.Cid{prev.Signature}},
			0, 0, []error{node.ErrNotPackage}},
		{"input not in the repo", node.PublishRequest{Paths: []string{other}, Name: okName, Version: "1.0.0", Inputs: []cid.Cid{prev.Package, absent}},
			0, 0, []error{node.ErrNotFound}},
		{"symlink inside a directory", node.PublishRequest{Paths: []string{other, withLink}, Name: okName, Version: "1.0.0"},
			0, 0, []error{node.ErrInvalidInput, content.ErrUnsupportedFile}},
		{"version taken by another package", node.PublishRequest{Paths: []string{other}, Name: mustName(t, "acme/app"), Version: "1.0.0"},
			0, 0, []error{node.ErrVersionExists}},
		{"cancelled during import", node.PublishRequest{Paths: []string{other, big}, Name: okName, Version: "1.0.0"},
			16 << 20, 0, []error{context.Canceled}},
		{"cancelled before", node.PublishRequest{Paths: []string{other}, Name: okName, Version: "1.0.0"},
			-1, 0, []error{context.Canceled}},
		{"file truncated during import", node.PublishRequest{Paths: []string{other, shrinking}, Name: okName, Version: "1.0.0"},
			0, 3<<20 + 8<<20, []error{node.ErrInvalidInput, content.ErrFileChanged}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if leaked {
				t.Skip("an earlier subtest leaked the writer slot")
			}
			before := repoStat(t, r).Stat
			pol, err := os.ReadFile(r.PolicyPath())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			var progressed int64
			if tc.cancel < 0 {
				cancel()
			} else if tc.cancel > 0 {
				tc.req.Progress = func(n int64) {
					progressed = n
					if n >= tc.cancel {
						cancel()
					}
				}
			}
			if tc.truncate > 0 {
				tc.req.Progress = func(n int64) {
					if n >= tc.truncate && progressed == 0 {
						progressed = n
						if err := os.Truncate(shrinking, 3<<20); err != nil {
							t.Error(err)
						}
					}
				}
			}
			res, err := r.Publish(ctx, tc.req)
			if err == nil {
				t.Fatalf("Publish succeeded: %+v", res)
			}
			for _, want := range tc.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("error = %v, want one wrapping %v", err, want)
				}
			}
			if tc.cancel > 0 && (progressed < tc.cancel || progressed >= 64<<20) {
				t.Errorf("cancelled after %d bytes; want between %d and the whole file", progressed, tc.cancel)
			}
			if st := repoStat(t, r).Stat; st != before {
				t.Errorf("Stat after a failed publish = %+v, want %+v", st, before)
			}
			if got, err := os.ReadFile(r.PolicyPath()); err != nil || string(got) != string(pol) {
				t.Errorf("policy changed by a failed publish")
			}
			writerFree(t)
		})
	}
	t.Run("unreadable policy", func(t *testing.T) {
		// Auto-trust would fail after the commit, so Publish refuses first.
		before := repoStat(t, r).Stat
		pol, err := os.ReadFile(r.PolicyPath())
		if err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(r.PolicyPath(), pol, 0o644)
		writeFile(t, r.PolicyPath(), []byte("version = [broken\n"))
		if res, err := r.Publish(ctx, node.PublishRequest{Paths: []string{other}, Name: okName, Version: "1.0.0"}); err == nil {
			t.Fatalf("Publish with a broken policy succeeded: %+v", res)
		}
		if st := repoStat(t, r).Stat; st != before {
			t.Errorf("Stat = %+v, want %+v", st, before)
		}
		writerFree(t)
	})
	if leaked {
		t.FailNow()
	}
	// The failures did not leak the store's writer slot, and the version is
	// still the first package's.
	res := publish(t, r, node.PublishRequest{Paths: []string{other}, Name: okName, Version: "1.0.0"})
	if got, err := r.Resolve(ctx, "acme/app@1.0.0"); err != nil || !got.Equals(prev.Package) {
		t.Errorf("acme/app@1.0.0 = %s, %v; want %s", got, err, prev.Package)
	}
	if got, err := r.Resolve(ctx, "acme/new@1.0.0"); err != nil || !got.Equals(res.Package) {
		t.Errorf("acme/new@1.0.0 = %s, %v; want %s", got, err, res.Package)
	}
}

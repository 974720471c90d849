package node_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
)

func TestAddMetadataAndSign(t *testing.T) {
	ctx := context.Background()
	r := newRepo(t)
	src := t.TempDir()
	file := filepath.Join(src, "tool.tar")
	writeFile(t, file, randomBytes(5000, 30))
	pub := publish(t, r, node.PublishRequest{Paths: []string{file}, Name: mustName(t, "acme/tool"), Version: "2.1.0", Now: fixedNow})
	base := publish(t, r, node.PublishRequest{Paths: []string{file}, Name: mustName(t, "acme/base"), Version: "1.0.0", Now: fixedNow})
	second := signtest.Key(t, 9)
	if err := r.Keys().Put("second", second); err != nil {
		t.Fatal(err)
	}
	defaultKey, err := r.Keys().Get("default")
	if err != nil {
		t.Fatal(err)
	}

	var meta *node.SignedResult
	t.Run("add metadata", func(t *testing.T) {
		before := repoStat(t, r)
		meta, err = r.AddMetadata(ctx, node.MetadataRequest{
			Package: pub.Package, Kind: "review", Entries: dagtest.Entries(t), Inputs: []cid.Cid{base.Package},
			Now: func() time.Time { return dagtest.Time().Add(time.Hour) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if !meta.Package.Equals(pub.Package) || meta.Signer != defaultKey.DID() ||
			meta.Metadata.Equals(pub.Metadata) || meta.Signature.Equals(pub.Signature) {
			t.Errorf("result = %+v", meta)
		}
		after := repoStat(t, r)
		// The set and its signature, plus the signer's new log entry (pinned, not a referrer).
		if after.Refs != before.Refs+2 || after.Pins != before.Pins+3 || after.Blocks != before.Blocks+3 ||
			after.Versions != before.Versions || after.Logs != before.Logs+1 {
			t.Errorf("Stat %+v -> %+v: want 2 more referrers, 3 more pins and blocks, one more log entry", before.Stat, after.Stat)
		}
		if meta.Log == nil || meta.Log.Signer != defaultKey.DID() || meta.Log.Seq != 3 {
			t.Errorf("log entry = %+v, want entry 3 of the default key's log (after its two publishes)", meta.Log)
		}
		v, err := r.Inspect(ctx, pub.Package)
		if err != nil {
			t.Fatal(err)
		}
		var found *node.MetadataView
		for i := range v.Metadata {
			if v.Metadata[i].CID.Equals(meta.Metadata) {
				found = &v.Metadata[i]
			}
		}
		if len(v.Metadata) != 2 || found == nil {
			t.Fatalf("Inspect metadata = %+v, want the publish's and %s", v.Metadata, meta.Metadata)
		}
		if found.Kind != "review" || len(found.Signatures) != 1 || !found.Signatures[0].CID.Equals(meta.Signature) ||
			len(found.Inputs) != 1 || !found.Inputs[0].Equals(base.Package) || len(found.Entries) == 0 {
			t.Errorf("metadata view = %+v", found)
		}
	})
	if meta == nil {
		t.FailNow()
	}

	t.Run("sign", func(t *testing.T) {
		before := repoStat(t, r)
		res, err := r.Sign(ctx, node.SignRequest{Metadata: meta.Metadata, Key: "second", Role: "reviewer", Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Package.Equals(pub.Package) || !res.Metadata.Equals(meta.Metadata) || res.Signer != second.DID() {
			t.Errorf("result = %+v", res)
		}
		after := repoStat(t, r)
		if after.Refs != before.Refs+1 || after.Pins != before.Pins+2 || after.Blocks != before.Blocks+2 || after.Logs != before.Logs+1 {
			t.Errorf("Stat %+v -> %+v: want one more referrer, two more pins and blocks (signature, log entry)", before.Stat, after.Stat)
		}
		if res.Log == nil || res.Log.Signer != second.DID() || res.Log.Seq != 1 {
			t.Errorf("log entry = %+v, want entry 1 of the second key's log", res.Log)
		}
		v, err := r.Inspect(ctx, pub.Package)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range v.Metadata {
			if !m.CID.Equals(meta.Metadata) {
				continue
			}
			if len(m.Signatures) != 2 {
				t.Fatalf("signatures = %+v, want 2", m.Signatures)
			}
			for _, s := range m.Signatures {
				if s.CID.Equals(res.Signature) && (s.Signer != second.DID() || s.Role != "reviewer") {
					t.Errorf("new signature view = %+v", s)
				}
			}
		}
		// Signing again with the same key, role and time stores nothing new.
		again, err := r.Sign(ctx, node.SignRequest{Metadata: meta.Metadata, Key: "second", Role: "reviewer", Now: fixedNow})
		if err != nil || !again.Signature.Equals(res.Signature) {
			t.Errorf("second identical Sign = %+v, %v", again, err)
		}
		if st := repoStat(t, r); st.Stat != after.Stat {
			t.Errorf("Stat after an identical Sign = %+v, want %+v", st.Stat, after.Stat)
		}
	})

	t.Run("failures", func(t *testing.T) {
		_, absent := dagtest.MustEncode(t, dagtest.Package(t, "acme/absent", "1.0.0", []byte("never stored")))
		content := pub.Layers[0].Content
		for _, tc := range []struct {
			name string
			do   func() error
			want error
		}{
			{"sign a package", func() error {
				_, err := r.Sign(ctx, node.SignRequest{Metadata: pub.Package})
				return err
			}, node.ErrInvalidInput},
			{"sign a signature", func() error {
				_, err := r.Sign(ctx, node.SignRequest{Metadata: pub.Signature})
				return err
			}, node.ErrInvalidInput},
			{"sign content", func() error {
				_, err := r.Sign(ctx, node.SignRequest{Metadata: content})
				return err
			}, node.ErrInvalidInput},
			{"sign a missing node", func() error {
				_, err := r.Sign(ctx, node.SignRequest{Metadata: absent})
				return err
			}, node.ErrNotFound},
			{"sign with an unknown key", func() error {
				_, err := r.Sign(ctx, node.SignRequest{Metadata: meta.Metadata, Key: "nokey"})
				return err
			}, sign.ErrKeyNotFound},
			{"metadata about content", func() error {
				_, err := r.AddMetadata(ctx, node.MetadataRequest{Package: content})
				return err
			}, node.ErrNotPackage},
			{"metadata about a metadata set", func() error {
				_, err := r.AddMetadata(ctx, node.MetadataRequest{Package: meta.Metadata})
				return err
			}, node.ErrNotPackage},
			{"metadata about a missing package", func() error {
				_, err := r.AddMetadata(ctx, node.MetadataRequest{Package: absent})
				return err
			}, node.ErrNotFound},
			{"metadata with an input that is not a package", func() error {
				_, err := r.AddMetadata(ctx, node.MetadataRequest{Package: pub.Package, Inputs: []cid.Cid{pub.Metadata}})
				return err
			}, node.ErrNotPackage},
			{"metadata with an unknown key", func() error {
				_, err := r.AddMetadata(ctx, node.MetadataRequest{Package: pub.Package, Key: "nokey"})
				return err
			}, sign.ErrKeyNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := repoStat(t, r).Stat
				err := tc.do()
				if !errors.Is(err, tc.want) {
					t.Errorf("err = %v, want one wrapping %v", err, tc.want)
				}
				if st := repoStat(t, r).Stat; st != before {
					t.Errorf("Stat = %+v, want %+v", st, before)
				}
			})
		}
	})
}

// TestDeterministicCIDs: with the clock fixed and the same key, two fresh
// repos produce the same package, metadata set and signature CIDs.
func TestDeterministicCIDs(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	file := filepath.Join(src, "app.zip")
	writeFile(t, file, randomBytes(1<<20+1, 40))
	tree := testTree(t, src, "dist")

	type result struct {
		pub        *node.PublishResult
		meta, sigd *node.SignedResult
	}
	run := func(t *testing.T, seed byte) result {
		t.Helper()
		r := newRepo(t)
		if err := r.Keys().Put("ci", signtest.Key(t, seed)); err != nil {
			t.Fatal(err)
		}
		pub := publish(t, r, node.PublishRequest{
			Paths: []string{file, tree}, Name: mustName(t, "acme/app"), Version: "1.0.0",
			Entries: dagtest.Entries(t), Key: "ci", Now: fixedNow,
		})
		meta, err := r.AddMetadata(ctx, node.MetadataRequest{Package: pub.Package, Kind: "test", Key: "ci", Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		sigd, err := r.Sign(ctx, node.SignRequest{Metadata: pub.Metadata, Key: "ci", Role: "builder", Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		return result{pub, meta, sigd}
	}
	a, b := run(t, 7), run(t, 7)
	pairs := []struct {
		name string
		a, b cid.Cid
	}{
		{"package", a.pub.Package, b.pub.Package},
		{"metadata", a.pub.Metadata, b.pub.Metadata},
		{"signature", a.pub.Signature, b.pub.Signature},
		{"file content", a.pub.Layers[0].Content, b.pub.Layers[0].Content},
		{"directory content", a.pub.Layers[1].Content, b.pub.Layers[1].Content},
		{"added metadata", a.meta.Metadata, b.meta.Metadata},
		{"added metadata's signature", a.meta.Signature, b.meta.Signature},
		{"extra signature", a.sigd.Signature, b.sigd.Signature},
	}
	for _, p := range pairs {
		if !p.a.Equals(p.b) {
			t.Errorf("%s: %s in one repo, %s in the other", p.name, p.a, p.b)
		}
	}
	if a.pub.Signer != b.pub.Signer || a.pub.Signer != signtest.Key(t, 7).DID() {
		t.Errorf("signers %s, %s", a.pub.Signer, b.pub.Signer)
	}

	// Another key or another time changes the signed nodes but not the package.
	c := run(t, 8)
	if !c.pub.Package.Equals(a.pub.Package) {
		t.Errorf("package CID depends on the key")
	}
	if c.pub.Signature.Equals(a.pub.Signature) || c.sigd.Signature.Equals(a.sigd.Signature) {
		t.Errorf("signature CID does not depend on the key")
	}
}

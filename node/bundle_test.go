package node_test

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
	mh "github.com/multiformats/go-multihash"
	"github.com/multiformats/go-varint"
)

// bundleFixture is a repo with a package made from another (provenance), a
// countersignature, and the bundle of the derived package.
type bundleFixture struct {
	a          *node.Repo
	tree       string // the base package's content
	base, app  *node.PublishResult
	car        []byte
	exportInfo node.ExportResult
}

func newBundleFixture(t *testing.T) *bundleFixture {
	t.Helper()
	ctx := context.Background()
	f := &bundleFixture{a: newRepo(t)}
	dir := t.TempDir()
	f.tree = testTree(t, dir, "tree")
	f.base = publish(t, f.a, node.PublishRequest{Paths: []string{f.tree}, Name: mustName(t, "acme/base"), Version: "1.0.0", Now: fixedNow})
	app := filepath.Join(dir, "app.bin")
	writeFile(t, app, randomBytes(3<<20+7, 3))
	f.app = publish(t, f.a, node.PublishRequest{Paths: []string{app}, Name: mustName(t, "acme/app"), Version: "2.0.0", Inputs: []cid.Cid{f.base.Package}, Now: fixedNow})
	if _, err := f.a.Sign(ctx, node.SignRequest{Metadata: f.app.Metadata, Role: dag.RoleAuditor, Now: fixedNow}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	res, err := f.a.Export(ctx, f.app.Package, &buf, node.ExportOptions{})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	f.car, f.exportInfo = buf.Bytes(), res
	return f
}

func TestBundleRoundTrip(t *testing.T) {
	ctx := context.Background()
	f := newBundleFixture(t)
	if f.exportInfo.Packages != 2 || f.exportInfo.Bytes != int64(len(f.car)) || len(f.exportInfo.Warnings) != 0 {
		t.Fatalf("export result = %+v (CAR of %d bytes)", f.exportInfo, len(f.car))
	}
	// The CAR is a CARv1 rooted at the package, each block once.
	br, err := car.NewBlockReader(bytes.NewReader(f.car))
	if err != nil {
		t.Fatal(err)
	}
	if br.Version != 1 || len(br.Roots) != 1 || !br.Roots[0].Equals(f.app.Package) {
		t.Fatalf("CAR version %d roots %v, want 1 and [%s]", br.Version, br.Roots, f.app.Package)
	}
	seen := map[cid.Cid]bool{}
	for {
		b, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if seen[b.Cid()] {
			t.Errorf("block %s written twice", b.Cid())
		}
		seen[b.Cid()] = true
	}
	if len(seen) != f.exportInfo.Blocks {
		t.Errorf("CAR holds %d blocks, export says %d", len(seen), f.exportInfo.Blocks)
	}
	for _, c := range []cid.Cid{f.app.Package, f.app.Metadata, f.app.Signature, f.base.Package, f.base.Metadata, f.base.Signature, f.base.Layers[0].Content} {
		if !seen[c] {
			t.Errorf("CAR lacks %s", c)
		}
	}

	b := newRepo(t)
	trust(t, f.a, b, "acme/*")
	res, err := b.Import(ctx, bytes.NewReader(f.car), node.ImportOptions{})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if !res.Kept || res.Blocks != int64(len(seen)) || len(res.Packages) != 1 || !res.Packages[0].Report.Trusted() || len(res.Warnings) != 0 {
		t.Fatalf("import result = %+v", res)
	}
	// Verified again from the repo: the same verdicts, both signatures, the input.
	rep, err := b.Verify(ctx, f.app.Package, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Trusted() || len(rep.Metadata) != 1 || len(rep.Metadata[0].Signatures) != 2 || len(rep.Inputs) != 1 || !rep.Inputs[0].Trusted() {
		t.Fatalf("verify after import: %+v", rep)
	}
	// Names, pins (2 packages, 2 metadata sets, 3 signatures, 2 content roots,
	// and the 3 log entries that published them, now in b's logs).
	for _, ref := range []string{"acme/app@2.0.0", "acme/base@1.0.0"} {
		if _, err := b.Resolve(ctx, ref); err != nil {
			t.Errorf("Resolve %s: %v", ref, err)
		}
	}
	if st := repoStat(t, b); st.Pins != 12 || st.Versions != 2 || st.Refs != 5 || st.Journal != 0 || st.Logs != 3 || res.LogEntries != 3 {
		t.Errorf("stat after import = %+v", st.Stat)
	}
	// Content byte-identical.
	out := filepath.Join(t.TempDir(), "out")
	if _, err := b.Get(ctx, f.base.Package, out, node.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, f.tree, out)
	// Importing again changes nothing.
	before := repoStat(t, b)
	if _, err := b.Import(ctx, bytes.NewReader(f.car), node.ImportOptions{}); err != nil {
		t.Fatalf("second Import: %v", err)
	}
	if after := repoStat(t, b); after.Stat != before.Stat {
		t.Errorf("second import changed the store: %+v -> %+v", before.Stat, after.Stat)
	}
	// A CARv2 around the same CARv1 imports too.
	var v2 bytes.Buffer
	if err := car.WrapV1(bytes.NewReader(f.car), &v2); err != nil {
		t.Fatal(err)
	}
	c := newRepo(t)
	trust(t, f.a, c, "acme/*")
	if _, err := c.Import(ctx, &v2, node.ImportOptions{}); err != nil {
		t.Fatalf("Import of a CARv2: %v", err)
	}
}

func TestImportUntrusted(t *testing.T) {
	f := newBundleFixture(t)
	b := newRepo(t) // trusts no one
	before := repoStat(t, b)
	res, err := b.Import(context.Background(), bytes.NewReader(f.car), node.ImportOptions{})
	wantErrIs(t, err, node.ErrUntrusted)
	if res == nil || res.Kept || len(res.Packages) != 1 || res.Packages[0].Report.Trusted() || res.Packages[0].Report.Name != "acme/app" {
		t.Fatalf("result = %+v, want the verdicts of an untrusted package", res)
	}
	if after := repoStat(t, b); after.Stat != before.Stat {
		t.Errorf("untrusted import changed the store: %+v -> %+v", before.Stat, after.Stat)
	}
}

// carSections returns the offsets at which the CAR's sections (after the
// header) start, and the size of each one's length prefix.
func carSections(t *testing.T, data []byte) (starts, prefixes []int) {
	t.Helper()
	off := 0
	for off < len(data) {
		n, k, err := varint.FromUvarint(data[off:])
		if err != nil {
			t.Fatal(err)
		}
		if off > 0 {
			starts, prefixes = append(starts, off), append(prefixes, k)
		}
		off += k + int(n)
	}
	return starts, prefixes
}

// rewriteCAR copies a CAR's blocks through keep into a new CARv1 with roots.
func rewriteCAR(t *testing.T, data []byte, roots []cid.Cid, keep func(c cid.Cid, data []byte) []byte) []byte {
	t.Helper()
	br, err := car.NewBlockReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, err := storage.NewWritable(&out, roots, car.WriteAsCarV1(true))
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if d := keep(b.Cid(), b.RawData()); d != nil {
			if err := w.Put(context.Background(), b.Cid().KeyString(), d); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out.Bytes()
}

func TestImportRefusesBadBundles(t *testing.T) {
	f := newBundleFixture(t)
	starts, prefixes := carSections(t, f.car)
	if len(starts) < 5 {
		t.Fatalf("only %d sections", len(starts))
	}
	flipped := bytes.Clone(f.car)
	flipped[len(flipped)-1] ^= 0x01 // the last byte of the last block's data

	// A CAR without one raw block of the base package's content.
	dropped := false
	missing := rewriteCAR(t, f.car, []cid.Cid{f.app.Package}, func(c cid.Cid, d []byte) []byte {
		if !dropped && c.Prefix().Codec == cid.Raw && !c.Equals(f.app.Layers[0].Content) {
			dropped = true
			return nil
		}
		return d
	})
	// A raw block just over the limit, with its true CID.
	big := randomBytes(node.DefaultMaxBundleBlockSize+1, 9)
	bigCID, err := cid.V1Builder{Codec: cid.Raw, MhType: mh.SHA2_256}.Sum(big)
	if err != nil {
		t.Fatal(err)
	}
	var bigCAR bytes.Buffer
	w, err := storage.NewWritable(&bigCAR, []cid.Cid{bigCID}, car.WriteAsCarV1(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Put(context.Background(), bigCID.KeyString(), big); err != nil {
		t.Fatal(err)
	}
	// A package root whose metadata set is not a package.
	metaRoot := rewriteCAR(t, f.car, []cid.Cid{f.app.Metadata}, func(_ cid.Cid, d []byte) []byte { return d })
	// A block whose CID uses a hash Cairn refuses.
	weak, err := cid.V1Builder{Codec: cid.Raw, MhType: mh.SHA1}.Sum([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	var weakCAR bytes.Buffer
	w, err = storage.NewWritable(&weakCAR, []cid.Cid{weak}, car.WriteAsCarV1(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Put(context.Background(), weak.KeyString(), []byte("x")); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		data []byte
		opts node.ImportOptions
		want string
	}{
		{"empty", nil, node.ImportOptions{}, "header"},
		{"cut inside the header", f.car[:5], node.ImportOptions{}, "truncated"},
		{"cut after the header", f.car[:starts[0]], node.ImportOptions{}, "incomplete bundle"},
		{"cut inside a section length", f.car[:starts[2]+1], node.ImportOptions{}, ""},
		{"cut right after a section length", f.car[:starts[2]+prefixes[2]], node.ImportOptions{}, "truncated"},
		{"cut inside a CID", f.car[:starts[2]+prefixes[2]+10], node.ImportOptions{}, ""},
		{"cut mid-block", f.car[:starts[3]+(starts[4]-starts[3])/2], node.ImportOptions{}, "truncated"},
		{"cut before the last byte", f.car[:len(f.car)-1], node.ImportOptions{}, "truncated"},
		{"bit flipped in a block", flipped, node.ImportOptions{}, "block does not match its cid"},
		{"missing content block", missing, node.ImportOptions{}, "incomplete bundle"},
		{"block over the limit", bigCAR.Bytes(), node.ImportOptions{}, "block too large"},
		{"weak hash", weakCAR.Bytes(), node.ImportOptions{}, "invalid cid"},
		{"root is a metadata set", metaRoot, node.ImportOptions{}, "not a package"},
		{"over the byte limit", f.car, node.ImportOptions{MaxBytes: int64(len(f.car)) - 100}, "larger than"},
		{"over the block limit", f.car, node.ImportOptions{MaxBlocks: 3}, "more than 3 blocks"},
		{"garbage", []byte("this is not a CAR file at all"), node.ImportOptions{}, "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newRepo(t)
			trust(t, f.a, b, "acme/*")
			before := repoStat(t, b)
			_, err := b.Import(context.Background(), bytes.NewReader(tt.data), tt.opts)
			wantErrIs(t, err, node.ErrInvalidBundle)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if after := repoStat(t, b); after.Stat != before.Stat {
				t.Errorf("refused import changed the store: %+v -> %+v", before.Stat, after.Stat)
			}
		})
	}
	if !dropped {
		t.Fatal("fixture did not drop a block")
	}
}

func TestBundleContentOnly(t *testing.T) {
	ctx := context.Background()
	f := newBundleFixture(t)
	root := f.base.Layers[0].Content
	var buf bytes.Buffer
	res, err := f.a.Export(ctx, root, &buf, node.ExportOptions{})
	if err != nil {
		t.Fatalf("Export content: %v", err)
	}
	if res.Name != "" || res.Packages != 0 || res.Blocks < 4 {
		t.Fatalf("export result = %+v", res)
	}
	b := newRepo(t) // trusts no one: content needs no trust
	ir, err := b.Import(ctx, &buf, node.ImportOptions{})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if !ir.Kept || len(ir.Content) != 1 || !ir.Content[0].Equals(root) || len(ir.Packages) != 0 {
		t.Fatalf("import result = %+v", ir)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := b.Get(ctx, root, out, node.GetOptions{}); err != nil {
		t.Fatalf("Get: %v", err)
	}
	sameTree(t, f.tree, out)
	if st := repoStat(t, b); st.Pins != 1 || st.Versions != 0 {
		t.Errorf("stat = %+v, want one content pin", st.Stat)
	}
}

func TestExportRefuses(t *testing.T) {
	ctx := context.Background()
	f := newBundleFixture(t)
	var buf bytes.Buffer
	_, err := f.a.Export(ctx, f.app.Metadata, &buf, node.ExportOptions{})
	wantErrIs(t, err, node.ErrNotPackage)
	absent, err := cid.V1Builder{Codec: cid.DagCBOR, MhType: mh.SHA2_256}.Sum([]byte("absent"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.a.Export(ctx, absent, &buf, node.ExportOptions{})
	wantErrIs(t, err, node.ErrNotFound)
}

// FuzzImport feeds arbitrary bytes to Import: it must never panic, and what
// it refuses must leave the repo as it was.
func FuzzImport(f *testing.F) {
	data := []byte("hello, bundle\n")
	c, err := cid.V1Builder{Codec: cid.Raw, MhType: mh.SHA2_256}.Sum(data)
	if err != nil {
		f.Fatal(err)
	}
	var seed bytes.Buffer
	w, err := storage.NewWritable(&seed, []cid.Cid{c}, car.WriteAsCarV1(true))
	if err != nil {
		f.Fatal(err)
	}
	if err := w.Put(context.Background(), c.KeyString(), data); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	f.Add(seed.Bytes()[:seed.Len()-3])
	f.Add([]byte{})
	r := newRepo(f)
	before := repoStat(f, r)
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := r.Import(context.Background(), bytes.NewReader(data), node.ImportOptions{MaxBytes: 1 << 20})
		if err != nil {
			if after := repoStat(t, r); after.Stat != before.Stat {
				t.Fatalf("refused import (%v) changed the store: %+v -> %+v", err, before.Stat, after.Stat)
			}
			return
		}
		if !res.Kept {
			t.Fatalf("no error, but nothing kept: %+v", res)
		}
		before = repoStat(t, r)
	})
}

// TestImportKeepsOnlyVouchedMetadata: metadata sets a bundle adds to a
// package that no signature by a key the policy names vouches for (one
// unsigned, one signed by a stranger) are counted, and neither pinned nor
// indexed; the package is kept as a bundle without them would be.
func TestImportKeepsOnlyVouchedMetadata(t *testing.T) {
	ctx := context.Background()
	a := newRepo(t)
	src := filepath.Join(t.TempDir(), "app.bin")
	writeFile(t, src, []byte("payload"))
	pub := publish(t, a, node.PublishRequest{Paths: []string{src}, Name: mustName(t, "acme/app"), Version: "1.0.0", Now: fixedNow})
	var plain bytes.Buffer
	if _, err := a.Export(ctx, pub.Package, &plain, node.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	unsigned, uc := dagtest.MustEncode(t, &dag.MetadataSet{Subject: pub.Package, Kind: dag.KindReview, Created: dagtest.Time()})
	signed, sc := dagtest.MustEncode(t, &dag.MetadataSet{Subject: pub.Package, Kind: dag.KindLicense, Created: dagtest.Time()})
	s, err := sign.Sign(signtest.Key(t, 42), sc, dag.RoleAuditor, dagtest.Time())
	if err != nil {
		t.Fatal(err)
	}
	sig, sigc := dagtest.MustEncode(t, s)
	junk := withBlocks(t, plain.Bytes(), pub.Package, map[cid.Cid][]byte{uc: unsigned, sc: signed, sigc: sig})

	want, b := newRepo(t), newRepo(t)
	trust(t, a, want, "acme/*")
	trust(t, a, b, "acme/*")
	if _, err := want.Import(ctx, bytes.NewReader(plain.Bytes()), node.ImportOptions{}); err != nil {
		t.Fatalf("Import of the bundle alone: %v", err)
	}
	res, err := b.Import(ctx, bytes.NewReader(junk), node.ImportOptions{})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if !res.Kept || res.DroppedMetadata != 2 {
		t.Errorf("import result %+v, want kept with 2 metadata sets dropped", res)
	}
	if got, w := repoStat(t, b), repoStat(t, want); got.Pins != w.Pins || got.Refs != w.Refs {
		t.Errorf("pins %d, refs %d; want %d and %d, as without the unvouched sets", got.Pins, got.Refs, w.Pins, w.Refs)
	}
	rep, err := b.Verify(ctx, pub.Package, nil)
	if err != nil || !rep.Trusted() || len(rep.Metadata) != 1 {
		t.Errorf("verify after import: %+v, %v; want trusted, with its one metadata set", rep, err)
	}
}

// withBlocks returns a CARv1 rooted at root holding data's blocks and extra.
func withBlocks(t *testing.T, data []byte, root cid.Cid, extra map[cid.Cid][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := storage.NewWritable(&buf, []cid.Cid{root}, car.WriteAsCarV1(true))
	if err != nil {
		t.Fatal(err)
	}
	br, err := car.NewBlockReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Put(context.Background(), b.Cid().KeyString(), b.RawData()); err != nil {
			t.Fatal(err)
		}
	}
	for c, d := range extra {
		if err := w.Put(context.Background(), c.KeyString(), d); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

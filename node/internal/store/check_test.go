package store

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bstore "github.com/ipfs/boxo/blockstore"
	dshelp "github.com/ipfs/boxo/datastore/dshelp"
	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/sign/signtest"
)

// checkFixture is a store holding one package, acme/app@1.0.0, as a
// publish leaves it: a 3 MiB + 100 B file (three packed 1 MiB leaves, a
// small leaf and a dag-pb root in badger), the package, a metadata set and
// the signer's log entry, all pinned, named and indexed.
type checkFixture struct {
	s      *Store
	dir    string
	pkg    cid.Cid
	root   cid.Cid   // the layer's content root
	leaves []cid.Cid // the file's raw leaves, the small one last
	meta   cid.Cid
	entry  cid.Cid // entry 1 of did's log
	did    string
}

func newCheckFixture(t *testing.T, pins ...PinKind) *checkFixture {
	t.Helper()
	ctx := context.Background()
	f := &checkFixture{dir: t.TempDir()}
	var err error
	if f.s, err = Open(ctx, DefaultOptions(f.dir)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.s.Close() })
	data := make([]byte, 3<<20+100)
	rand.NewChaCha8([32]byte{7}).Read(data)

	tx, err := f.s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := content.ImportReader(ctx, tx.DAGService(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	f.root = res.Root
	rootData, err := tx.Blockstore().Get(ctx, f.root)
	if err != nil {
		t.Fatal(err)
	}
	if f.leaves, err = content.Links(f.root, rootData.RawData()); err != nil || len(f.leaves) != 4 {
		t.Fatalf("content root links %v (%v), want 4 leaves", f.leaves, err)
	}
	p := dagtest.Package(t, "acme/app", "1.0.0", data)
	p.Layers[0].Content = f.root
	pb, pc := dagtest.MustEncode(t, p)
	f.pkg = pc
	mb, mc := dagtest.MustEncode(t, &dag.MetadataSet{Subject: pc, Kind: dag.KindBuild, Created: dagtest.Time()})
	f.meta = mc
	f.did = signtest.Key(t, 1).DID()
	e := &dag.LogEntry{Signer: f.did, Seq: 1, Created: dagtest.Time(), Name: p.Name, Version: p.Version,
		Package: pc, Metadata: []cid.Cid{mc}, Sig: bytes.Repeat([]byte{1}, 64)}
	eb, ec := dagtest.MustEncode(t, e)
	f.entry = ec
	for _, n := range []struct {
		c cid.Cid
		b []byte
	}{{pc, pb}, {mc, mb}, {ec, eb}} {
		if err := tx.PutNode(ctx, n.c, n.b); err != nil {
			t.Fatal(err)
		}
	}
	if len(pins) == 0 {
		pins = []PinKind{PinPackage, PinContent}
	}
	for _, k := range pins {
		switch k {
		case PinPackage:
			tx.Pin(pc, PinPackage)
			tx.SetVersion(p.Ref(), pc)
		case PinContent:
			tx.Pin(f.root, PinContent)
		}
	}
	tx.Pin(mc, PinMetadata)
	tx.AddReferrer(pc, mc, dag.NodeMetadata)
	tx.AppendLog(e, ec)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

// check runs Check and fails on an error.
func (f *checkFixture) check(t *testing.T) *CheckReport {
	t.Helper()
	rep, err := f.s.Check(context.Background(), CheckOptions{})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return rep
}

// pack returns the path of the fixture's one pack file.
func (f *checkFixture) pack(t *testing.T) string {
	t.Helper()
	ms, err := filepath.Glob(filepath.Join(f.dir, packsDir, "*.pack"))
	if err != nil || len(ms) != 1 {
		t.Fatalf("pack files %v (%v), want one", ms, err)
	}
	return ms[0]
}

// put writes a raw key, bypassing every rule.
func (f *checkFixture) put(t *testing.T, k ds.Key, v []byte) {
	t.Helper()
	if err := f.s.ds.Put(context.Background(), k, v); err != nil {
		t.Fatal(err)
	}
}

func (f *checkFixture) del(t *testing.T, k ds.Key) {
	t.Helper()
	if err := f.s.ds.Delete(context.Background(), k); err != nil {
		t.Fatal(err)
	}
}

func smallKey(c cid.Cid) ds.Key { return bstore.BlockPrefix.Child(dshelp.MultihashToDsKey(c.Hash())) }

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	b := []byte{0}
	if _, err := fh.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x01
	if _, err := fh.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func TestCheckIntact(t *testing.T) {
	f := newCheckFixture(t)
	rep := f.check(t)
	if len(rep.Problems) != 0 {
		t.Fatalf("problems in an intact store: %+v", rep.Problems)
	}
	// root, 4 leaves, package, metadata set, log entry
	if rep.Blocks != 8 || rep.Bytes < 3<<20 || rep.Stray != 0 {
		t.Fatalf("blocks %d, bytes %d, stray %d; want 8, >= 3 MiB, 0", rep.Blocks, rep.Bytes, rep.Stray)
	}
	// A block no pin keeps is stray, not a problem.
	tx, err := f.s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := dagtest.Content(t, []byte("stray"))
	if err := tx.PutNode(context.Background(), c, []byte("stray")); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rep := f.check(t); len(rep.Problems) != 0 || rep.Stray != 1 || rep.Blocks != 9 {
		t.Fatalf("after a stray block: %d problems, stray %d, blocks %d; want 0, 1, 9", len(rep.Problems), rep.Stray, rep.Blocks)
	}
}

// TestClosureReportsMissingAndDamaged: Closure visits every block a pin
// keeps, with the pin that reached it first, and reports a missing block
// (ErrNotFound) and a damaged node (hash mismatch, its links not followed).
func TestClosureReportsMissingAndDamaged(t *testing.T) {
	ctx := context.Background()
	closure := func(t *testing.T, s *Store) map[cid.Cid]Reach {
		t.Helper()
		out := map[cid.Cid]Reach{}
		if err := s.Closure(ctx, func(r Reach) error { out[r.CID] = r; return nil }); err != nil {
			t.Fatalf("Closure: %v", err)
		}
		return out
	}
	cases := []struct {
		name     string
		pins     []PinKind
		wantRoot func(f *checkFixture) cid.Cid
	}{
		{"package pin", []PinKind{PinPackage}, func(f *checkFixture) cid.Cid { return f.pkg }},
		{"content pin", []PinKind{PinContent}, func(f *checkFixture) cid.Cid { return f.root }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newCheckFixture(t, tc.pins...)
			all := closure(t, f.s)
			for _, c := range append([]cid.Cid{f.root}, f.leaves...) {
				if r, ok := all[c]; !ok || r.Err != nil || r.Size == 0 || !r.Root.Equals(tc.wantRoot(f)) {
					t.Fatalf("intact: %s reached %v as %+v, want root %s", c, ok, r, tc.wantRoot(f))
				}
			}
			if _, ok := all[f.meta]; !ok {
				t.Fatal("the metadata pin's own block was not visited")
			}

			missing := f.leaves[3] // the small leaf, in badger
			f.del(t, smallKey(missing))
			r := closure(t, f.s)[missing]
			if !IsMissing(r.Err) || !r.Root.Equals(tc.wantRoot(f)) || r.Size != 0 {
				t.Fatalf("missing leaf reached as %+v, want ErrNotFound from %s", r, tc.wantRoot(f))
			}

			v, err := f.s.ds.Get(ctx, smallKey(f.root))
			if err != nil {
				t.Fatal(err)
			}
			f.put(t, smallKey(f.root), append(v[:len(v)-1:len(v)-1], v[len(v)-1]^1))
			all = closure(t, f.s)
			r = all[f.root]
			if !errors.Is(r.Err, dag.ErrHashMismatch) || !r.Root.Equals(tc.wantRoot(f)) || r.Size == 0 {
				t.Fatalf("damaged root reached as %+v, want a hash mismatch from %s", r, tc.wantRoot(f))
			}
			if _, ok := all[f.leaves[0]]; ok {
				t.Fatal("Closure followed the links of a damaged node")
			}
		})
	}
}

// TestCheckFindsEachProblem breaks the fixture's store in one way per case
// and wants Check to report it, of its kind, naming what it affects.
func TestCheckFindsEachProblem(t *testing.T) {
	ctx := context.Background()
	other := dagtest.NodeCID(t, "not stored")
	cases := []struct {
		name   string
		pins   []PinKind
		breakS func(t *testing.T, f *checkFixture)
		kind   ProblemKind
		cid    func(f *checkFixture) cid.Cid // the block the problem names, if any
		pkg    bool                          // names acme/app@1.0.0
		detail string
		what   string
	}{
		{name: "byte flipped in a pack file",
			breakS: func(t *testing.T, f *checkFixture) { flipByte(t, f.pack(t), 1<<20+12345) },
			kind:   ProblemDamaged, cid: func(f *checkFixture) cid.Cid { return f.leaves[1] }, pkg: true,
			detail: "does not match", what: "content"},
		{name: "byte flipped, package pin only",
			pins:   []PinKind{PinPackage},
			breakS: func(t *testing.T, f *checkFixture) { flipByte(t, f.pack(t), 5) },
			kind:   ProblemDamaged, cid: func(f *checkFixture) cid.Cid { return f.leaves[0] }, pkg: true,
			what: "package acme/app@1.0.0"},
		{name: "content pin no package names",
			pins: []PinKind{PinContent},
			breakS: func(t *testing.T, f *checkFixture) {
				flipByte(t, f.pack(t), 5)
			},
			kind: ProblemDamaged, cid: func(f *checkFixture) cid.Cid { return f.leaves[0] },
			what: "no package in the repo names it"},
		{name: "small block damaged",
			breakS: func(t *testing.T, f *checkFixture) { f.put(t, smallKey(f.leaves[3]), []byte("other bytes")) },
			kind:   ProblemDamaged, cid: func(f *checkFixture) cid.Cid { return f.leaves[3] }, pkg: true},
		{name: "pack file truncated",
			breakS: func(t *testing.T, f *checkFixture) {
				if err := os.Truncate(f.pack(t), 2<<20+10); err != nil {
					t.Fatal(err)
				}
			},
			kind: ProblemDamaged, cid: func(f *checkFixture) cid.Cid { return f.leaves[2] }, pkg: true,
			detail: "ends at"},
		{name: "pack file gone",
			breakS: func(t *testing.T, f *checkFixture) {
				if err := os.Remove(f.pack(t)); err != nil {
					t.Fatal(err)
				}
			},
			kind: ProblemDamaged, cid: func(f *checkFixture) cid.Cid { return f.leaves[0] }, pkg: true,
			detail: "no such file"},
		{name: "block missing",
			breakS: func(t *testing.T, f *checkFixture) { f.del(t, smallKey(f.leaves[3])) },
			kind:   ProblemMissing, cid: func(f *checkFixture) cid.Cid { return f.leaves[3] }, pkg: true},
		{name: "metadata set damaged",
			breakS: func(t *testing.T, f *checkFixture) { f.put(t, smallKey(f.meta), []byte("x")) },
			kind:   ProblemDamaged, cid: func(f *checkFixture) cid.Cid { return f.meta }, pkg: true,
			what: "metadata set"},
		{name: "pack without its record",
			breakS: func(t *testing.T, f *checkFixture) {
				id := strings.TrimSuffix(filepath.Base(f.pack(t)), ".pack")
				f.del(t, packRecordKey(id))
			},
			kind: ProblemPack, detail: "index entries point into pack"},
		{name: "pack file nothing committed",
			breakS: func(t *testing.T, f *checkFixture) {
				if err := os.WriteFile(filepath.Join(f.dir, packsDir, "0123456789abcdef.pack"), []byte("x"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			kind: ProblemPack, detail: "0123456789abcdef.pack has no record"},
		{name: "names entry, package not stored",
			breakS: func(t *testing.T, f *checkFixture) { f.put(t, versionKey("acme/app", "2.0.0"), other.Bytes()) },
			kind:   ProblemIndex, cid: func(*checkFixture) cid.Cid { return other }, detail: "not in the repo"},
		{name: "names entry, another version",
			breakS: func(t *testing.T, f *checkFixture) { f.put(t, versionKey("acme/app", "2.0.0"), f.pkg.Bytes()) },
			kind:   ProblemIndex, cid: func(f *checkFixture) cid.Cid { return f.pkg }, detail: "which is acme/app@1.0.0"},
		{name: "names entry, package unpinned",
			breakS: func(t *testing.T, f *checkFixture) { f.del(t, pinKey(f.pkg)) },
			kind:   ProblemIndex, cid: func(f *checkFixture) cid.Cid { return f.pkg }, pkg: true, detail: "no pin keeps"},
		{name: "referrer not stored",
			breakS: func(t *testing.T, f *checkFixture) { f.put(t, refKey(f.pkg, other), []byte("metadata")) },
			kind:   ProblemIndex, cid: func(*checkFixture) cid.Cid { return other }, pkg: true, detail: "referrer"},
		{name: "log entry not stored",
			breakS: func(t *testing.T, f *checkFixture) { f.put(t, logEntryKey(f.did, 2), other.Bytes()) },
			kind:   ProblemLog, cid: func(*checkFixture) cid.Cid { return other }, detail: "entry 2 of", what: "log entry 2"},
		{name: "log entry under another seq",
			breakS: func(t *testing.T, f *checkFixture) { f.put(t, logEntryKey(f.did, 2), f.entry.Bytes()) },
			kind:   ProblemLog, cid: func(f *checkFixture) cid.Cid { return f.entry }, detail: "names entry 1 of"},
		{name: "log with a gap",
			breakS: func(t *testing.T, f *checkFixture) { f.put(t, logEntryKey(f.did, 3), f.entry.Bytes()) },
			kind:   ProblemLog, detail: "not contiguous"},
		{name: "log head behind",
			breakS: func(t *testing.T, f *checkFixture) {
				f.put(t, headKey(f.did), []byte(`{"signer":"`+f.did+`","seq":4,"head":{"/":"`+other.String()+`"}}`))
			},
			kind: ProblemLog, detail: "the last entry held is 1"},
		{name: "log without head",
			breakS: func(t *testing.T, f *checkFixture) { f.del(t, headKey(f.did)) },
			kind:   ProblemLog, detail: "has no head"},
		{name: "log entry damaged",
			breakS: func(t *testing.T, f *checkFixture) { f.put(t, smallKey(f.entry), []byte("x")) },
			kind:   ProblemDamaged, cid: func(f *checkFixture) cid.Cid { return f.entry }, what: "log entry 1 of"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newCheckFixture(t, tc.pins...)
			if rep := f.check(t); len(rep.Problems) != 0 {
				t.Fatalf("problems before breaking: %+v", rep.Problems)
			}
			tc.breakS(t, f)
			rep := f.check(t)
			var found *Problem
			for i, p := range rep.Problems {
				if p.Kind == tc.kind && (tc.cid == nil || bytes.Equal(p.CID.Hash(), tc.cid(f).Hash())) &&
					strings.Contains(p.Detail, tc.detail) && strings.Contains(p.Affects.What, tc.what) {
					found = &rep.Problems[i]
					break
				}
			}
			if found == nil {
				t.Fatalf("no %s problem with detail %q, what %q in %+v", tc.kind, tc.detail, tc.what, rep.Problems)
			}
			if tc.pkg && (!found.Affects.Package.Equals(f.pkg) || found.Affects.Name != "acme/app" || found.Affects.Version != "1.0.0") {
				t.Fatalf("problem %+v does not name acme/app@1.0.0 (%s)", found, f.pkg)
			}
			_ = ctx
		})
	}
}

// TestDropDamaged: only blocks whose bytes are damaged are dropped; the
// next check finds them missing instead (for a fetch to bring back).
func TestDropDamaged(t *testing.T) {
	ctx := context.Background()
	f := newCheckFixture(t)
	flipByte(t, f.pack(t), 1<<20+7) // leaf 1
	f.put(t, smallKey(f.leaves[3]), []byte("not the leaf"))
	dropped, err := f.s.DropDamaged(ctx, []cid.Cid{f.leaves[0], f.leaves[1], f.leaves[3], dagtest.NodeCID(t, "absent")})
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) != 2 || !dropped[0].Equals(f.leaves[1]) || !dropped[1].Equals(f.leaves[3]) {
		t.Fatalf("dropped %v, want leaves 1 and 3 (%s, %s)", dropped, f.leaves[1], f.leaves[3])
	}
	for i, want := range []bool{true, false, true, false} {
		if ok, err := f.s.Has(ctx, f.leaves[i]); err != nil || ok != want {
			t.Fatalf("leaf %d stored: %v (%v), want %v", i, ok, err, want)
		}
	}
	rep := f.check(t)
	if len(rep.Problems) != 2 || rep.Problems[0].Kind != ProblemMissing || rep.Problems[1].Kind != ProblemMissing {
		t.Fatalf("after the drop: %+v, want two missing leaves", rep.Problems)
	}
}

package store

// Tests of garbage collection, removal and the format version.

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/boxo/ipld/merkledag"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
	"github.com/ipld/go-ipld-prime/node/basicnode"
	mh "github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
)

// gcPackage is a package whose one layer is a dag-pb node linking leaves.
type gcPackage struct {
	pkg    blocks.Block
	root   blocks.Block // the layer's dag-pb node
	leaves []blocks.Block
}

// newGCPackage makes name@version with a layer of leaves of these sizes.
func newGCPackage(t *testing.T, name, version string, tag byte, sizes ...int) gcPackage {
	t.Helper()
	leaves := sizedBlocks(t, tag, sizes...)
	nd := merkledag.NodeWithData(nil)
	if err := nd.SetCidBuilder(cid.V1Builder{Codec: cid.DagProtobuf, MhType: mh.SHA2_256}); err != nil {
		t.Fatal(err)
	}
	for _, l := range leaves {
		if err := nd.AddRawLink("", &ipld.Link{Cid: l.Cid(), Size: uint64(len(l.RawData()))}); err != nil {
			t.Fatal(err)
		}
	}
	root, err := blocks.NewBlockWithCid(nd.RawData(), nd.Cid())
	if err != nil {
		t.Fatal(err)
	}
	p := dagtest.Package(t, name, version, []byte(name+version))
	p.Layers[0].Content = root.Cid()
	data, c := dagtest.MustEncode(t, p)
	pkg, err := blocks.NewBlockWithCid(data, c)
	if err != nil {
		t.Fatal(err)
	}
	return gcPackage{pkg: pkg, root: root, leaves: leaves}
}

func (p gcPackage) all() []blocks.Block { return append([]blocks.Block{p.pkg, p.root}, p.leaves...) }

// publishGC stores p in one Txn, pinned as a package and named.
func publishGC(t *testing.T, s *Store, p gcPackage, ref dag.Ref) {
	t.Helper()
	ctx := context.Background()
	tx := beginInternal(t, s)
	if err := tx.Blockstore().PutMany(ctx, p.all()); err != nil {
		t.Fatal(err)
	}
	tx.Pin(p.pkg.Cid(), PinPackage)
	tx.SetVersion(ref, p.pkg.Cid())
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func gc(t *testing.T, s *Store) GCStats {
	t.Helper()
	st, err := s.GC(context.Background(), GCOptions{})
	if err != nil {
		t.Fatalf("GC: %v", err)
	}
	return st
}

// present fails unless each block is held (want) or not (!want).
func present(t *testing.T, s *Store, want bool, bs ...blocks.Block) {
	t.Helper()
	for _, b := range bs {
		ok, err := s.Has(context.Background(), b.Cid())
		if err != nil || ok != want {
			t.Fatalf("Has(%s) = %v, %v; want %v", b.Cid(), ok, err, want)
		}
	}
}

// TestGCKeepsWhatPinsKeep: a pinned package keeps its node, its layer's
// dag-pb root and the leaves it links; an unpinned block, packed or small,
// goes; so does a package once Remove unpins it.
func TestGCKeepsWhatPinsKeep(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openInternal(t, dir)
	a := newGCPackage(t, "acme/a", "1.0.0", 1, 100<<10, 200<<10, 10)
	b := newGCPackage(t, "acme/b", "1.0.0", 2, 300<<10, 20)
	publishGC(t, s, a, dagRef(t, "acme/a@1.0.0"))
	publishGC(t, s, b, dagRef(t, "acme/b@1.0.0"))
	strays := sizedBlocks(t, 9, 150<<10, 30)
	tx := beginInternal(t, s)
	if err := tx.Blockstore().PutMany(ctx, strays); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	st := gc(t, s)
	if st.Removed != 2 || st.RemovedBytes != 150<<10+30 || st.Kept != len(a.all())+len(b.all()) || st.Missing != 0 {
		t.Fatalf("GC = %+v; want the 2 strays (%d bytes) removed, %d blocks kept", st, 150<<10+30, len(a.all())+len(b.all()))
	}
	present(t, s, true, a.all()...)
	present(t, s, true, b.all()...)
	present(t, s, false, strays...)
	if st.PacksRemoved != 1 {
		t.Errorf("packs removed %d, want 1 (the strays' pack held nothing else)", st.PacksRemoved)
	}

	err := s.Remove(ctx, Removal{Pins: []cid.Cid{b.pkg.Cid()}, Names: []dag.Ref{dagRef(t, "acme/b@1.0.0")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup(ctx, dagRef(t, "acme/b@1.0.0")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Lookup after Remove: %v", err)
	}
	present(t, s, true, b.all()...) // until a collection
	st = gc(t, s)
	present(t, s, false, b.all()...)
	present(t, s, true, a.all()...)
	if st.Removed != len(b.all()) {
		t.Errorf("removed %d blocks, want %d", st.Removed, len(b.all()))
	}
	readBack(t, s.Blockstore(), a.all()...)

	// After a reopen too.
	s.Close()
	s = openInternal(t, dir)
	readBack(t, s.Blockstore(), a.all()...)
	present(t, s, false, b.all()...)
}

// TestGCRewritesPacks: a pack mostly garbage is rewritten with its live
// blocks only, under a new id, and the old file is gone; the live blocks
// read back, also after a reopen.
func TestGCRewritesPacks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openInternal(t, dir)
	keep := sizedBlocks(t, 3, 100<<10)
	drop := sizedBlocks(t, 4, 300<<10, 300<<10)
	tx := beginInternal(t, s)
	if err := tx.Blockstore().PutMany(ctx, append(append([]blocks.Block{}, drop[0]), append(keep, drop[1])...)); err != nil {
		t.Fatal(err)
	}
	tx.Pin(keep[0].Cid(), PinContent)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	before := packFiles(t, dir)
	if len(before) != 1 {
		t.Fatalf("packs %v, want 1", before)
	}
	st := gc(t, s)
	after := packFiles(t, dir)
	if st.PacksRewritten != 1 || len(after) != 1 || after[0] == before[0] {
		t.Fatalf("GC = %+v, packs %v -> %v; want one rewritten under a new id", st, before, after)
	}
	fi, err := os.Stat(packPath(dir, after[0]))
	if err != nil || fi.Size() != 100<<10 {
		t.Fatalf("new pack: %v, %v; want %d bytes", fi, err, 100<<10)
	}
	if st.PackBytesFreed != 600<<10 {
		t.Errorf("pack bytes freed %d, want %d", st.PackBytesFreed, 600<<10)
	}
	readBack(t, s.Blockstore(), keep...)
	s.Close()
	s = openInternal(t, dir)
	readBack(t, s.Blockstore(), keep...)
	if got := packFiles(t, dir); len(got) != 1 || got[0] != after[0] {
		t.Errorf("after reopen packs %v, want %v", got, after)
	}
}

// TestGCWaitsForRunningTxn: a collection started while a Txn writes waits
// for it; the blocks the Txn commits and pins are kept.
func TestGCWaitsForRunningTxn(t *testing.T) {
	ctx := context.Background()
	s := openInternal(t, t.TempDir())
	bs := sizedBlocks(t, 5, 200<<10, 40)
	tx := beginInternal(t, s)
	if err := tx.Blockstore().PutMany(ctx, bs); err != nil {
		t.Fatal(err)
	}
	done := make(chan GCStats)
	go func() {
		st, err := s.GC(ctx, GCOptions{})
		if err != nil {
			t.Error(err)
		}
		done <- st
	}()
	select {
	case st := <-done:
		t.Fatalf("GC ran while a Txn was writing: %+v", st)
	case <-time.After(200 * time.Millisecond):
	}
	for _, b := range bs {
		tx.Pin(b.Cid(), PinContent)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if st := <-done; st.Removed != 0 || st.Kept != len(bs) {
		t.Errorf("GC after the commit = %+v, want nothing removed, %d kept", st, len(bs))
	}
	present(t, s, true, bs...)
}

// TestGCCountsMissing: a block a pin keeps that is not in the store is
// counted, not an error.
func TestGCCountsMissing(t *testing.T) {
	ctx := context.Background()
	s := openInternal(t, t.TempDir())
	p := newGCPackage(t, "acme/a", "1.0.0", 1, 100<<10, 10)
	publishGC(t, s, p, dagRef(t, "acme/a@1.0.0"))
	if err := s.bs.DeleteBlock(ctx, p.leaves[1].Cid()); err != nil {
		t.Fatal(err)
	}
	if st := gc(t, s); st.Missing != 1 || st.Removed != 0 {
		t.Errorf("GC = %+v, want 1 missing, nothing removed", st)
	}
}

// TestFormatVersion: a new store is format 2; a store without the key (as
// stores were before) is upgraded at open; a newer one is refused, and left
// as it was.
func TestFormatVersion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openInternal(t, dir)
	if n, err := s.Format(ctx); err != nil || n != FormatVersion {
		t.Fatalf("new store: format %d, %v; want %d", n, err, FormatVersion)
	}
	if err := s.ds.Delete(ctx, formatKey); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openInternal(t, dir)
	if n, err := s.Format(ctx); err != nil || n != FormatVersion {
		t.Fatalf("old store after open: format %d, %v; want %d", n, err, FormatVersion)
	}
	if err := s.ds.Put(ctx, formatKey, []byte("3")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(ctx, DefaultOptions(dir))
	if !errors.Is(err, ErrNewerFormat) {
		t.Fatalf("open of a format 3 store: %v, want ErrNewerFormat", err)
	}
	if _, err := os.Stat(filepath.Join(dir, packsDir)); err != nil {
		t.Errorf("the refused store lost its packs directory: %v", err)
	}
}

func dagRef(t *testing.T, s string) dag.Ref {
	t.Helper()
	r, err := dag.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestGCBesideTxns: collections run in a loop while Txns commit packed
// blocks and pins: every block a Txn pinned is still there and reads back
// (a pack committed while a collection compacts is never taken for empty).
func TestGCBesideTxns(t *testing.T) {
	ctx := context.Background()
	s := openInternal(t, t.TempDir())
	stop := make(chan struct{})
	done := make(chan error)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if _, err := s.GC(ctx, GCOptions{}); err != nil {
				done <- err
				return
			}
		}
	}()
	var kept []blocks.Block
	for i := range 20 {
		bs := sizedBlocks(t, byte(20+i), 80<<10, 120<<10, 50)
		tx := beginInternal(t, s)
		if err := tx.Blockstore().PutMany(ctx, bs); err != nil {
			t.Fatal(err)
		}
		tx.Pin(bs[0].Cid(), PinContent) // the others are garbage at once
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, bs[0])
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	gc(t, s)
	readBack(t, s.Blockstore(), kept...)
}

// TestGCLeavesPacksCommittedMeanwhile: a Txn that writes and commits its
// pack while a collection compacts (between its listing of packs and its
// reading of the index) keeps its blocks.
func TestGCLeavesPacksCommittedMeanwhile(t *testing.T) {
	ctx := context.Background()
	s := openInternal(t, t.TempDir())
	bs := sizedBlocks(t, 60, 100<<10, 200<<10)
	gcHookBetween = func() {
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		if err := tx.Blockstore().PutMany(ctx, bs); err != nil {
			t.Error(err)
		}
		for _, b := range bs {
			tx.Pin(b.Cid(), PinContent)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Error(err)
		}
	}
	defer func() { gcHookBetween = nil }()
	var st GCStats
	if err := s.compactPacks(ctx, GCOptions{RewriteBelow: DefaultRewriteBelow, Progress: func(string, int, int) {}}, &st); err != nil {
		t.Fatal(err)
	}
	if st.PacksRemoved != 0 || st.PacksRewritten != 0 {
		t.Errorf("compaction touched the pack committed meanwhile: %+v", st)
	}
	readBack(t, s.Blockstore(), bs...)
}

// TestGCKeepsIPLDContent: a content pin on a DAG-CBOR root keeps every block
// its links reach, through DAG-JSON, dag-pb, an identity DAG-CBOR CID and
// plain CBOR, as `ipfs dag import` pins a CAR's root; an unpinned block goes.
func TestGCKeepsIPLDContent(t *testing.T) {
	ctx := context.Background()
	s := openInternal(t, t.TempDir())
	unixfs := newGCPackage(t, "acme/x", "1.0.0", 5, 200<<10, 10) // its layer: a dag-pb root and leaves
	leaves := sizedBlocks(t, 6, 100, 200<<10, 300)
	link := func(c cid.Cid) datamodel.Node { return basicnode.NewLink(cidlink.Link{Cid: c}) }
	plain := dagtest.IPLDBlock(t, dagtest.CBOR, basicnode.NewString("no links"))
	jsonNode := dagtest.IPLDBlock(t, cid.DagJSON, mapOf(t, map[string]datamodel.Node{
		"leaf": link(leaves[1].Cid()), "unixfs": link(unixfs.root.Cid()),
	}))
	inID := dagtest.IPLDBlock(t, cid.DagCBOR, mapOf(t, map[string]datamodel.Node{"leaf": link(leaves[2].Cid())}))
	idCID := dagtest.IdentityCID(t, cid.DagCBOR, inID.RawData())
	root := dagtest.IPLDBlock(t, cid.DagCBOR, mapOf(t, map[string]datamodel.Node{
		"leaf": link(leaves[0].Cid()), "json": link(jsonNode.Cid()), "id": link(idCID), "plain": link(plain.Cid()),
	}))
	kept := append([]blocks.Block{root, jsonNode, plain, unixfs.root}, append(unixfs.leaves, leaves...)...)
	strays := sizedBlocks(t, 7, 50, 150<<10)
	tx := beginInternal(t, s)
	if err := tx.Blockstore().PutMany(ctx, append(kept, strays...)); err != nil {
		t.Fatal(err)
	}
	tx.Pin(root.Cid(), PinContent)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	st := gc(t, s)
	present(t, s, true, kept...)
	present(t, s, false, strays...)
	if st.Removed != len(strays) || st.Kept != len(kept) || st.Missing != 0 {
		t.Errorf("GC = %+v; want %d removed, %d kept, none missing", st, len(strays), len(kept))
	}
}

// mapOf builds an IPLD map of m, keys in sorted order.
func mapOf(t *testing.T, m map[string]datamodel.Node) datamodel.Node {
	t.Helper()
	n, err := qp.BuildMap(basicnode.Prototype.Map, int64(len(m)), func(ma datamodel.MapAssembler) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			qp.MapEntry(ma, k, qp.Node(m[k]))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

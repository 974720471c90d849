package node_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
	"github.com/ipld/go-ipld-prime/node/basicnode"

	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node"
)

// ipldDAG is a DAG as `ipfs dag import` takes it: a DAG-CBOR root linking a
// raw leaf, a DAG-JSON node (linking another leaf and a plain CBOR block)
// and an identity DAG-CBOR CID (linking a third leaf).
type ipldDAG struct {
	root, json, plain blocks.Block
	leaves            []blocks.Block
}

func (d ipldDAG) all() []blocks.Block {
	return append([]blocks.Block{d.root, d.json, d.plain}, d.leaves...)
}

func newIPLDDAG(t *testing.T) ipldDAG {
	t.Helper()
	var d ipldDAG
	for i, data := range [][]byte{[]byte("leaf one"), randomBytes(300<<10, 14), []byte("leaf three")} {
		c, _ := dagtest.Content(t, data)
		b, err := blocks.NewBlockWithCid(data, c)
		if err != nil {
			t.Fatal(i, err)
		}
		d.leaves = append(d.leaves, b)
	}
	link := func(c cid.Cid) qp.Assemble { return qp.Link(cidlink.Link{Cid: c}) }
	d.plain = dagtest.IPLDBlock(t, dagtest.CBOR, basicnode.NewString("plain"))
	d.json = dagtest.IPLDBlock(t, cid.DagJSON, dagtest.Map(t, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "leaf", link(d.leaves[1].Cid()))
		qp.MapEntry(ma, "plain", link(d.plain.Cid()))
	}))
	id := dagtest.IdentityCID(t, cid.DagCBOR, dagtest.IPLDBlock(t, cid.DagCBOR, dagtest.Map(t, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "leaf", link(d.leaves[2].Cid()))
	})).RawData())
	d.root = dagtest.IPLDBlock(t, cid.DagCBOR, dagtest.Map(t, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "id", link(id))
		qp.MapEntry(ma, "json", link(d.json.Cid()))
		qp.MapEntry(ma, "leaf", link(d.leaves[0].Cid()))
		qp.MapEntry(ma, "n", qp.Int(14))
	}))
	return d
}

func collect(t *testing.T, r *node.Repo) node.GCStats {
	t.Helper()
	st, err := r.GC(context.Background(), node.GCOptions{})
	if err != nil {
		t.Fatalf("GC: %v", err)
	}
	return st
}

// TestImportIPLDContent: a CAR whose root is DAG-CBOR (not a package),
// DAG-JSON, plain CBOR or JSON, or an identity CID, imports as content and is
// pinned whole: a collection keeps every block.
func TestImportIPLDContent(t *testing.T) {
	d := newIPLDDAG(t)
	plainJSON := dagtest.IPLDBlock(t, dagtest.JSON, basicnode.NewString("json"))
	idRaw := dagtest.IdentityCID(t, cid.Raw, []byte("in the CID"))
	tests := []struct {
		name string
		root cid.Cid
		blks []blocks.Block
	}{
		{"DAG-CBOR root", d.root.Cid(), d.all()},
		{"DAG-JSON root", d.json.Cid(), []blocks.Block{d.json, d.leaves[1], d.plain}},
		{"plain CBOR root", d.plain.Cid(), []blocks.Block{d.plain}},
		{"plain JSON root", plainJSON.Cid(), []blocks.Block{plainJSON}},
		{"identity root, no blocks", idRaw, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r := newRepo(t) // trusts no one: content needs no trust
			res, err := r.Import(ctx, bytes.NewReader(dagtest.CAR(t, []cid.Cid{tt.root}, tt.blks...)), node.ImportOptions{})
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if !res.Kept || len(res.Content) != 1 || !res.Content[0].Equals(tt.root) || len(res.Packages) != 0 || res.Unpinned || len(res.Warnings) != 0 {
				t.Fatalf("import result = %+v", res)
			}
			if st := repoStat(t, r); st.Pins != 1 || st.Blocks != len(tt.blks) {
				t.Fatalf("stat = %+v, want 1 pin and %d blocks", st.Stat, len(tt.blks))
			}
			if gc := collect(t, r); gc.Removed != 0 || gc.Missing != 0 {
				t.Errorf("GC = %+v, want nothing removed or missing", gc)
			}
			if st := repoStat(t, r); st.Blocks != len(tt.blks) {
				t.Errorf("%d blocks after a collection, want all %d kept by the content pin", st.Blocks, len(tt.blks))
			}
		})
	}
}

// TestImportIncompleteIPLD: a CAR that lacks a block of its DAG is refused,
// unless NoPin: then what it holds is kept, unpinned (a collection removes
// it), and the result says what is missing. A block that does not match its
// CID is refused either way.
func TestImportIncompleteIPLD(t *testing.T) {
	ctx := context.Background()
	d := newIPLDDAG(t)
	lacking := []blocks.Block{d.root, d.plain, d.leaves[0], d.leaves[1], d.leaves[2]} // no d.json
	incomplete := dagtest.CAR(t, []cid.Cid{d.root.Cid()}, lacking...)

	t.Run("refused without NoPin", func(t *testing.T) {
		r := newRepo(t)
		before := repoStat(t, r)
		_, err := r.Import(ctx, bytes.NewReader(incomplete), node.ImportOptions{})
		wantErrIs(t, err, node.ErrInvalidBundle)
		if errors.Is(err, node.ErrNotFound) {
			t.Errorf("error %q is also not found: the CLI would exit 4, not 2", err)
		}
		if !strings.Contains(err.Error(), "incomplete bundle") || !strings.Contains(err.Error(), d.json.Cid().String()) {
			t.Errorf("error %q does not say the bundle is incomplete, lacking %s", err, d.json.Cid())
		}
		if after := repoStat(t, r); after.Stat != before.Stat {
			t.Errorf("refused import changed the store: %+v -> %+v", before.Stat, after.Stat)
		}
	})
	t.Run("kept unpinned with NoPin", func(t *testing.T) {
		r := newRepo(t)
		res, err := r.Import(ctx, bytes.NewReader(incomplete), node.ImportOptions{NoPin: true})
		if err != nil {
			t.Fatalf("Import: %v", err)
		}
		if !res.Kept || !res.Unpinned || len(res.Content) != 1 || len(res.Incomplete) != 1 {
			t.Fatalf("import result = %+v", res)
		}
		if inc := res.Incomplete[0]; !inc.Root.Equals(d.root.Cid()) || inc.Missing != 1 || !inc.First.Equals(d.json.Cid()) {
			t.Errorf("incomplete = %+v, want root %s missing 1 block, %s", inc, d.root.Cid(), d.json.Cid())
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "lacks 1 block") {
			t.Errorf("warnings %q, want one saying what the content lacks", res.Warnings)
		}
		if st := repoStat(t, r); st.Pins != 0 || st.Blocks != len(lacking) {
			t.Fatalf("stat = %+v, want no pin and the %d blocks of the CAR", st.Stat, len(lacking))
		}
		if gc := collect(t, r); gc.Removed != len(lacking) {
			t.Errorf("GC = %+v, want the %d unpinned blocks removed", gc, len(lacking))
		}
	})
	t.Run("a complete DAG with NoPin is unpinned too", func(t *testing.T) {
		r := newRepo(t)
		res, err := r.Import(ctx, bytes.NewReader(dagtest.CAR(t, []cid.Cid{d.root.Cid()}, d.all()...)), node.ImportOptions{NoPin: true})
		if err != nil || !res.Kept || !res.Unpinned || len(res.Incomplete) != 0 {
			t.Fatalf("Import = %+v, %v", res, err)
		}
		if st := repoStat(t, r); st.Pins != 0 || st.Blocks != len(d.all()) {
			t.Fatalf("stat = %+v", st.Stat)
		}
	})
	t.Run("a corrupt block is refused with NoPin", func(t *testing.T) {
		r := newRepo(t)
		bad, err := blocks.NewBlockWithCid([]byte("not leaf one"), d.leaves[0].Cid())
		if err != nil {
			t.Fatal(err)
		}
		car := dagtest.CAR(t, []cid.Cid{d.root.Cid()}, d.root, bad)
		before := repoStat(t, r)
		_, err = r.Import(ctx, bytes.NewReader(car), node.ImportOptions{NoPin: true})
		wantErrIs(t, err, node.ErrInvalidBundle)
		if !strings.Contains(err.Error(), "does not match its cid") {
			t.Errorf("error %q does not say the block does not match its CID", err)
		}
		if after := repoStat(t, r); after.Stat != before.Stat {
			t.Errorf("refused import changed the store: %+v -> %+v", before.Stat, after.Stat)
		}
	})
}

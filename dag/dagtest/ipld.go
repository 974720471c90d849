package dagtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
	_ "github.com/ipld/go-ipld-prime/codec/cbor" // registers cbor (0x51)
	_ "github.com/ipld/go-ipld-prime/codec/dagcbor"
	_ "github.com/ipld/go-ipld-prime/codec/dagjson"
	_ "github.com/ipld/go-ipld-prime/codec/json" // registers json (0x0200)
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	"github.com/ipld/go-ipld-prime/multicodec"
	"github.com/ipld/go-ipld-prime/node/basicnode"
	"github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/content"
)

// Codecs other than the ones go-cid names.
const (
	// CBOR is plain CBOR (multicodec 0x51): no links.
	CBOR uint64 = 0x51
	// JSON is plain JSON (multicodec 0x0200): no links.
	JSON uint64 = 0x0200
)

// IPLDBlock encodes n with codec (cid.DagCBOR, cid.DagJSON, CBOR, JSON) and
// returns it as a block with a CIDv1 over sha2-256, as IPFS tools make them.
//
//	b := dagtest.IPLDBlock(t, cid.DagCBOR, qp.Map(...))
func IPLDBlock(t testing.TB, codec uint64, n datamodel.Node) blocks.Block {
	t.Helper()
	enc, err := multicodec.LookupEncoder(codec)
	if err != nil {
		t.Fatalf("codec 0x%x: %v", codec, err)
	}
	var buf bytes.Buffer
	if err := enc(n, &buf); err != nil {
		t.Fatalf("encode as 0x%x: %v", codec, err)
	}
	c, err := cid.Prefix{Version: 1, Codec: codec, MhType: multihash.SHA2_256, MhLength: -1}.Sum(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	b, err := blocks.NewBlockWithCid(buf.Bytes(), c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// IdentityCID returns the CIDv1 of codec whose identity multihash holds data:
// the block is the CID itself.
func IdentityCID(t testing.TB, codec uint64, data []byte) cid.Cid {
	t.Helper()
	h, err := multihash.Sum(data, multihash.IDENTITY, -1)
	if err != nil {
		t.Fatal(err)
	}
	return cid.NewCidV1(codec, h)
}

// CAR returns a CARv1 with roots and blks, in order (go-car/v2).
func CAR(t testing.TB, roots []cid.Cid, blks ...blocks.Block) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := storage.NewWritable(&buf, roots, car.WriteAsCarV1(true), car.AllowDuplicatePuts(true))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blks {
		if err := w.Put(context.Background(), b.Cid().KeyString(), b.RawData()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finalize(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Map builds an IPLD map with fn (go-ipld-prime's qp), for fixtures.
func Map(t testing.TB, fn func(datamodel.MapAssembler)) datamodel.Node {
	t.Helper()
	n, err := qp.BuildMap(basicnode.Prototype.Map, -1, fn)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// UnixFSFile imports data as a UnixFS file (Cairn's import profile) into bs
// and returns its root and the CIDs of the root and of its children, in
// link order.
func UnixFSFile(t testing.TB, bs blockstore.Blockstore, data []byte) (root cid.Cid, dagBlocks []cid.Cid) {
	t.Helper()
	ctx := context.Background()
	dsvc := merkledag.NewDAGService(blockservice.New(bs, nil))
	res, err := content.ImportReader(ctx, dsvc, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	nd, err := dsvc.Get(ctx, res.Root)
	if err != nil {
		t.Fatal(err)
	}
	dagBlocks = []cid.Cid{res.Root}
	for _, l := range nd.Links() {
		dagBlocks = append(dagBlocks, l.Cid)
	}
	return res.Root, dagBlocks
}

// ReadCAR reads the CAR (v1 or v2) in body, checking every block against its
// CID, and returns its roots, its blocks in order, and whether it ended
// cleanly after a whole section: a gateway that meets a missing block cuts
// its stream, and the blocks before the cut are returned. A header that
// does not parse or a block that does not hash to its CID fails the test.
func ReadCAR(t testing.TB, body []byte) (roots []cid.Cid, got []blocks.Block, complete bool) {
	t.Helper()
	br, err := car.NewBlockReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("read CAR: %v", err)
	}
	for {
		b, err := br.Next()
		if errors.Is(err, io.EOF) {
			return br.Roots, got, true
		}
		if err != nil {
			return br.Roots, got, false
		}
		if err := dag.CheckBlock(b.Cid(), b.RawData()); err != nil {
			t.Fatalf("CAR block %s: %v", b.Cid(), err)
		}
		got = append(got, b)
	}
}

// CIDs returns the CIDs of bs, in order.
func CIDs(bs []blocks.Block) []cid.Cid {
	out := make([]cid.Cid, len(bs))
	for i, b := range bs {
		out[i] = b.Cid()
	}
	return out
}

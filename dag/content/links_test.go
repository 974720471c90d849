package content_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
	"github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/dag/dagtest"
)

func TestLinks(t *testing.T) {
	a, _ := dagtest.Content(t, []byte("a"))
	b, _ := dagtest.Content(t, []byte("b"))
	pb := dagtest.NodeCID(t, "elsewhere")
	lnk := func(c cid.Cid) qp.Assemble { return qp.Link(cidlink.Link{Cid: c}) }
	ipld := dagtest.Map(t, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "a", lnk(a))
		qp.MapEntry(ma, "n", qp.Int(1))
		qp.MapEntry(ma, "z", qp.List(-1, func(la datamodel.ListAssembler) {
			qp.ListEntry(la, lnk(b))
			qp.ListEntry(la, qp.Map(-1, func(ma datamodel.MapAssembler) { qp.MapEntry(ma, "deep", lnk(pb)) }))
		}))
	})
	cborBlock := dagtest.IPLDBlock(t, cid.DagCBOR, ipld)
	jsonBlock := dagtest.IPLDBlock(t, cid.DagJSON, ipld)
	plain := dagtest.Map(t, func(ma datamodel.MapAssembler) { qp.MapEntry(ma, "/", qp.String(a.String())) })

	pkg := dagtest.Package(t, "acme/app", "1.0.0", []byte("hello"))
	pkg.Layers = append(pkg.Layers, dag.Layer{Name: "two", MediaType: "text/plain", Size: 1, SHA256: pkg.Layers[0].SHA256, Content: b})
	pkgData, pkgCID := dagtest.MustEncode(t, pkg)
	meta := &dag.MetadataSet{Subject: pkgCID, Kind: "build", Entries: dagtest.Entries(t), Inputs: []cid.Cid{pb}, Created: dagtest.Time()}
	metaData, metaCID := dagtest.MustEncode(t, meta)

	tests := []struct {
		name string
		c    cid.Cid
		data []byte
		want []cid.Cid
		err  error
	}{
		{"raw", a, []byte("a"), nil, nil},
		{"a Cairn package: its layers' content", pkgCID, pkgData, []cid.Cid{pkg.Layers[0].Content, b}, nil},
		{"a Cairn metadata set: none (its subject and inputs are not its DAG)", metaCID, metaData, nil, nil},
		{"other DAG-CBOR: every link, in encoded order", cborBlock.Cid(), cborBlock.RawData(), []cid.Cid{a, b, pb}, nil},
		{"DAG-JSON: every link", jsonBlock.Cid(), jsonBlock.RawData(), []cid.Cid{a, b, pb}, nil},
		{"plain CBOR: none", dagtest.IPLDBlock(t, dagtest.CBOR, plain).Cid(), dagtest.IPLDBlock(t, dagtest.CBOR, plain).RawData(), nil, nil},
		{"plain JSON: none, {\"/\": …} is not a link", dagtest.IPLDBlock(t, dagtest.JSON, plain).Cid(), dagtest.IPLDBlock(t, dagtest.JSON, plain).RawData(), nil, nil},
		{"malformed DAG-CBOR", sum(t, cid.DagCBOR, []byte{0xa1}), []byte{0xa1}, nil, content.ErrNotContent},
		{"malformed DAG-JSON", sum(t, cid.DagJSON, []byte(`{"a":`)), []byte(`{"a":`), nil, content.ErrNotContent},
		{"another codec", sum(t, cid.GitRaw, []byte("x")), []byte("x"), nil, content.ErrNotContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := content.Links(tt.c, tt.data)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("Links: %v, expected %v", err, tt.err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Links = %v, expected %v", got, tt.want)
			}
		})
	}
}

func sum(t *testing.T, codec uint64, data []byte) cid.Cid {
	t.Helper()
	c, err := cid.Prefix{Version: 1, Codec: codec, MhType: multihash.SHA2_256, MhLength: -1}.Sum(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

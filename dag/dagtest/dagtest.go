// Package dagtest holds test fixtures for Cairn's DAG nodes: a fixed clock,
// content CIDs, packages and entries, so tests elsewhere need not build them
// by hand. Production code never imports it.
//
//	pkg := dagtest.Package(t, "acme/app", "1.0.0", []byte("hello"))
//	data, c := dagtest.MustEncode(t, pkg)
package dagtest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	"github.com/ipld/go-ipld-prime/node/basicnode"

	"github.com/cairnpkg/cairn/dag"
)

// Time returns the fixed "created" time of test fixtures, so their CIDs never change.
func Time() time.Time { return time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC) }

// Content returns a raw-leaf CID and SHA-256 for the given bytes, as the UnixFS
// importer makes for a file of up to one chunk.
func Content(t testing.TB, data []byte) (cid.Cid, []byte) {
	t.Helper()
	c, err := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: dag.Prefix.MhType, MhLength: -1}.Sum(data)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return c, sum[:]
}

// Package returns a one-layer package named name@version whose content is data.
func Package(t testing.TB, name, version string, data []byte) *dag.Package {
	t.Helper()
	n, err := dag.ParseName(name)
	if err != nil {
		t.Fatal(err)
	}
	c, sum := Content(t, data)
	return &dag.Package{Name: n, Version: version, Layers: []dag.Layer{{
		Name: "artifact", MediaType: "application/octet-stream", Size: uint64(len(data)), SHA256: sum, Content: c,
	}}}
}

// Entries returns entries with the well-known build keys, for fixtures.
func Entries(t testing.TB) datamodel.Node {
	t.Helper()
	n, err := qp.BuildMap(basicnode.Prototype.Map, -1, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "source", qp.Map(-1, func(ma datamodel.MapAssembler) {
			qp.MapEntry(ma, "repository", qp.String("https://example.com/acme/hello.git"))
			qp.MapEntry(ma, "commit", qp.String("0123456789abcdef0123456789abcdef01234567"))
		}))
		qp.MapEntry(ma, "license", qp.Map(-1, func(ma datamodel.MapAssembler) {
			qp.MapEntry(ma, "expression", qp.String("Apache-2.0 OR MIT"))
		}))
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// MustEncode encodes a node for a test and returns its bytes and CID.
func MustEncode(t testing.TB, n interface {
	Encode() ([]byte, cid.Cid, error)
}) ([]byte, cid.Cid) {
	t.Helper()
	b, c, err := n.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b, c
}

// NodeCID returns a fixed DAG-CBOR CID derived from label, for fixtures
// that need a link to a node without the node itself.
func NodeCID(t testing.TB, label string) cid.Cid {
	t.Helper()
	c, err := dag.Prefix.Sum([]byte(label))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

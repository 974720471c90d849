package gateway_test

// Conformance with the IPFS Trustless Gateway and Path Gateway specs
// (https://specs.ipfs.tech/http-gateways/trustless-gateway/,
// https://specs.ipfs.tech/http-gateways/path-gateway/) for what issue 14
// lists: identity CIDs, the response headers, pathing through DAG-CBOR and
// DAG-JSON, dag-scope=entity on DAG-CBOR, and entity-bytes over a file some of
// whose blocks the node does not hold.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/boxo/blockstore"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/gateway"
)

// specFixture is a gateway over a blockstore holding:
//
//	file    a UnixFS file of four blocks below its root (1 MiB, 1 MiB, 1 MiB, 5 bytes)
//	small   a one-block file (a raw leaf)
//	cbor    DAG-CBOR {"file": file, "n": 7, "nested": {"list": [small]}}
//	json    DAG-JSON {"cbor": cbor, "file": file}
//	plain   plain CBOR and plain JSON blocks (no links)
//	partial a file like file whose second leaf is missing
//	id      an identity raw CID ("hi"), and an identity DAG-CBOR CID that
//	        links to file
type specFixture struct {
	url                         string
	file, small, cbor, json     cid.Cid
	plainCBOR, plainJSON        cid.Cid
	partial, idRaw, idCBOR      cid.Cid
	fileData, partialData       []byte
	fileBlocks, partialBlocks   []cid.Cid // the DAG's blocks, depth first, root first
	missing                     cid.Cid   // the leaf of partial that is not held
	cborBlocks, cborFileBlocks  []cid.Cid // cbor's whole DAG; cbor then file's DAG
	jsonCBORFileBlockScopeRoots []cid.Cid // json, cbor, file: the path to file, then file's root
}

func newSpecFixture(t *testing.T) *specFixture {
	t.Helper()
	ctx := context.Background()
	bs := blockstore.NewBlockstore(dssync.MutexWrap(datastore.NewMapDatastore()))
	rng := rand.NewChaCha8([32]byte{14})
	f := &specFixture{}
	importFile := func(size int) (cid.Cid, []byte, []cid.Cid) {
		data := make([]byte, size)
		rng.Read(data)
		root, all := dagtest.UnixFSFile(t, bs, data)
		return root, data, all
	}
	f.file, f.fileData, f.fileBlocks = importFile(3<<20 + 5)
	if len(f.fileBlocks) != 5 {
		t.Fatalf("the test file has %d blocks, expected a root and 4 leaves", len(f.fileBlocks))
	}
	f.small, _, _ = importFile(100)
	f.partial, f.partialData, f.partialBlocks = importFile(3<<20 + 5)
	f.missing = f.partialBlocks[2]
	if err := bs.DeleteBlock(ctx, f.missing); err != nil {
		t.Fatal(err)
	}

	put := func(b blocks.Block) cid.Cid {
		if err := bs.Put(ctx, b); err != nil {
			t.Fatal(err)
		}
		return b.Cid()
	}
	cborNode := dagtest.Map(t, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "file", qp.Link(cidlink.Link{Cid: f.file}))
		qp.MapEntry(ma, "n", qp.Int(7))
		qp.MapEntry(ma, "nested", qp.Map(-1, func(ma datamodel.MapAssembler) {
			qp.MapEntry(ma, "list", qp.List(-1, func(la datamodel.ListAssembler) {
				qp.ListEntry(la, qp.Link(cidlink.Link{Cid: f.small}))
			}))
		}))
	})
	cborBlock := dagtest.IPLDBlock(t, cid.DagCBOR, cborNode)
	f.cbor = put(cborBlock)
	f.json = put(dagtest.IPLDBlock(t, cid.DagJSON, dagtest.Map(t, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "cbor", qp.Link(cidlink.Link{Cid: f.cbor}))
		qp.MapEntry(ma, "file", qp.Link(cidlink.Link{Cid: f.file}))
	})))
	plain := dagtest.Map(t, func(ma datamodel.MapAssembler) { qp.MapEntry(ma, "hello", qp.String("world")) })
	f.plainCBOR = put(dagtest.IPLDBlock(t, dagtest.CBOR, plain))
	f.plainJSON = put(dagtest.IPLDBlock(t, dagtest.JSON, plain))
	f.idRaw = dagtest.IdentityCID(t, cid.Raw, []byte("hi"))
	f.idCBOR = dagtest.IdentityCID(t, cid.DagCBOR, dagtest.IPLDBlock(t, cid.DagCBOR, dagtest.Map(t, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "file", qp.Link(cidlink.Link{Cid: f.file}))
	})).RawData())

	f.cborFileBlocks = append([]cid.Cid{f.cbor}, f.fileBlocks...)
	f.cborBlocks = append(slices.Clone(f.cborFileBlocks), f.small)
	f.jsonCBORFileBlockScopeRoots = []cid.Cid{f.json, f.cbor, f.file}

	h, err := gateway.NewHandler(bs, gateway.Config{})
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// fetch sends a GET (with accept as Accept, if set) and returns the response
// and its body.
func fetch(t *testing.T, url, accept string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp, body
}

// carBlocks reads a CAR (dagtest.ReadCAR) and returns its roots, its blocks'
// CIDs in order, and whether it ended cleanly after a whole section (a
// gateway that meets a missing block cuts the stream).
func carBlocks(t *testing.T, body []byte) (roots, got []cid.Cid, complete bool) {
	roots, bs, complete := dagtest.ReadCAR(t, body)
	return roots, dagtest.CIDs(bs), complete
}

func TestSpecIdentityCID(t *testing.T) {
	f := newSpecFixture(t)
	t.Run("raw", func(t *testing.T) {
		resp, body := fetch(t, f.url+"/ipfs/"+f.idRaw.String()+"?format=raw", "")
		if resp.StatusCode != http.StatusOK || string(body) != "hi" {
			t.Fatalf("status %d, body %q; expected 200 and the CID's digest %q", resp.StatusCode, body, "hi")
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.ipld.raw" {
			t.Errorf("Content-Type %q, expected application/vnd.ipld.raw", ct)
		}
	})
	t.Run("raw by Accept", func(t *testing.T) {
		resp, body := fetch(t, f.url+"/ipfs/"+f.idRaw.String(), "application/vnd.ipld.raw")
		if resp.StatusCode != http.StatusOK || string(body) != "hi" {
			t.Fatalf("status %d, body %q; expected 200 and %q", resp.StatusCode, body, "hi")
		}
	})
	t.Run("car", func(t *testing.T) {
		resp, body := fetch(t, f.url+"/ipfs/"+f.idRaw.String()+"?format=car", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, expected 200: %s", resp.StatusCode, body)
		}
		roots, got, complete := carBlocks(t, body)
		if !complete || len(roots) != 1 || !roots[0].Equals(f.idRaw) {
			t.Errorf("CAR roots %v (complete: %t), expected [%s]", roots, complete, f.idRaw)
		}
		for _, c := range got { // the block is the CID: a CAR may leave it out
			if !c.Equals(f.idRaw) {
				t.Errorf("the CAR holds %s, which is not the identity block", c)
			}
		}
	})
	t.Run("car through an identity DAG-CBOR root", func(t *testing.T) {
		resp, body := fetch(t, f.url+"/ipfs/"+f.idCBOR.String()+"/file?format=car", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, expected 200: %s", resp.StatusCode, body)
		}
		_, got, complete := carBlocks(t, body)
		got = slices.DeleteFunc(got, func(c cid.Cid) bool { return c.Equals(f.idCBOR) })
		if !complete || !slices.Equal(got, f.fileBlocks) {
			t.Errorf("CAR blocks %v (complete: %t), expected the file's %v", got, complete, f.fileBlocks)
		}
	})
}

func TestSpecHeaders(t *testing.T) {
	f := newSpecFixture(t)
	const immutable = "public, max-age=29030400, immutable"
	const carType = "application/vnd.ipld.car; version=1; order=dfs; dups=n"
	tests := []struct {
		name, path, accept string
		contentType        string
		roots              []cid.Cid // X-Ipfs-Roots
		etag               string    // exact Etag, or a prefix ending in '*'
		attachment         bool      // Content-Disposition: attachment (trustless responses)
	}{
		{"raw block", "/ipfs/" + f.file.String() + "?format=raw", "", "application/vnd.ipld.raw",
			[]cid.Cid{f.file}, `"` + f.file.String() + `.raw"`, true},
		{"raw block by Accept", "/ipfs/" + f.file.String(), "application/vnd.ipld.raw", "application/vnd.ipld.raw",
			[]cid.Cid{f.file}, `"` + f.file.String() + `.raw"`, true},
		{"identity raw block", "/ipfs/" + f.idRaw.String() + "?format=raw", "", "application/vnd.ipld.raw",
			[]cid.Cid{f.idRaw}, `"` + f.idRaw.String() + `.raw"`, true},
		{"car", "/ipfs/" + f.file.String() + "?format=car", "", carType,
			[]cid.Cid{f.file}, `W/"` + f.file.String() + `.car.*`, true},
		{"car by Accept", "/ipfs/" + f.file.String(), "application/vnd.ipld.car", carType,
			[]cid.Cid{f.file}, `W/"` + f.file.String() + `.car.*`, true},
		{"car with dups=y", "/ipfs/" + f.file.String(), "application/vnd.ipld.car; version=1; order=dfs; dups=y",
			"application/vnd.ipld.car; version=1; order=dfs; dups=y", []cid.Cid{f.file}, `W/"` + f.file.String() + `.car.*`, true},
		{"car through DAG-CBOR", "/ipfs/" + f.cbor.String() + "/file?format=car&dag-scope=entity", "", carType,
			[]cid.Cid{f.cbor, f.file}, `W/"` + f.cbor.String() + `.car.*`, true},
		{"car through DAG-JSON and DAG-CBOR", "/ipfs/" + f.json.String() + "/cbor/file?format=car", "", carType,
			[]cid.Cid{f.json, f.cbor, f.file}, `W/"` + f.json.String() + `.car.*`, true},
		{"car of entity-bytes", "/ipfs/" + f.file.String() + "?format=car&entity-bytes=0:10", "", carType,
			[]cid.Cid{f.file}, `W/"` + f.file.String() + `.car.*`, true},
		{"file", "/ipfs/" + f.file.String(), "", "application/octet-stream",
			[]cid.Cid{f.file}, `"` + f.file.String() + `"`, false},
		{"file through DAG-CBOR", "/ipfs/" + f.cbor.String() + "/file", "", "application/octet-stream",
			[]cid.Cid{f.cbor, f.file}, `"` + f.file.String() + `"`, false},
		{"DAG-JSON", "/ipfs/" + f.json.String(), "", "application/vnd.ipld.dag-json",
			[]cid.Cid{f.json}, `"` + f.json.String() + `.dag-json"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := fetch(t, f.url+tt.path, tt.accept)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, expected 200: %.300s", resp.StatusCode, body)
			}
			hdr := resp.Header
			want := map[string]string{
				"Content-Type":            tt.contentType,
				"X-Ipfs-Path":             strings.SplitN(tt.path, "?", 2)[0],
				"X-Ipfs-Roots":            joinCIDs(tt.roots),
				"Cache-Control":           immutable,
				"Content-Security-Policy": "sandbox",
				"X-Content-Type-Options":  "nosniff",
			}
			for k, v := range want {
				if got := hdr.Get(k); got != v {
					t.Errorf("%s: %q, expected %q", k, got, v)
				}
			}
			etag := hdr.Get("Etag")
			if prefix, ok := strings.CutSuffix(tt.etag, "*"); ok {
				if !strings.HasPrefix(etag, prefix) || !strings.HasSuffix(etag, `"`) {
					t.Errorf("Etag %q, expected %s…\"", etag, prefix)
				}
			} else if etag != tt.etag {
				t.Errorf("Etag %q, expected %s", etag, tt.etag)
			}
			if cd := hdr.Get("Content-Disposition"); tt.attachment && !strings.HasPrefix(cd, "attachment") {
				t.Errorf("Content-Disposition %q, expected attachment", cd)
			}
		})
	}
	t.Run("If-None-Match answers 304", func(t *testing.T) {
		for _, q := range []string{"?format=raw", "?format=car", ""} {
			resp, _ := fetch(t, f.url+"/ipfs/"+f.file.String()+q, "")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url+"/ipfs/"+f.file.String()+q, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("If-None-Match", resp.Header.Get("Etag"))
			again, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			again.Body.Close()
			cancel()
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("%q with If-None-Match: %s: status %d, expected 304", q, resp.Header.Get("Etag"), again.StatusCode)
			}
		}
	})
	t.Run("X-Ipfs-Path on a 404 below a held root", func(t *testing.T) {
		resp, _ := fetch(t, f.url+"/ipfs/"+f.cbor.String()+"/nope", "")
		if want := "/ipfs/" + f.cbor.String() + "/nope"; resp.StatusCode != http.StatusNotFound || resp.Header.Get("X-Ipfs-Path") != want {
			t.Errorf("status %d, X-Ipfs-Path %q; expected 404 and %q", resp.StatusCode, resp.Header.Get("X-Ipfs-Path"), want)
		}
	})
	t.Run("Etag differs by dag-scope and entity-bytes", func(t *testing.T) {
		seen := map[string]string{}
		for _, q := range []string{"", "&dag-scope=entity", "&dag-scope=block", "&entity-bytes=0:10", "&entity-bytes=0:11"} {
			resp, _ := fetch(t, f.url+"/ipfs/"+f.file.String()+"?format=car"+q, "")
			etag := resp.Header.Get("Etag")
			if other, ok := seen[etag]; ok {
				t.Errorf("%q and %q have the same Etag %s", q, other, etag)
			}
			seen[etag] = q
		}
	})
}

func joinCIDs(cs []cid.Cid) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.String()
	}
	return strings.Join(s, ",")
}

func TestSpecPathing(t *testing.T) {
	f := newSpecFixture(t)
	deserialized := []struct{ name, path string }{
		{"DAG-CBOR to UnixFS", "/ipfs/" + f.cbor.String() + "/file"},
		{"DAG-JSON to UnixFS", "/ipfs/" + f.json.String() + "/file"},
		{"DAG-JSON to DAG-CBOR to UnixFS", "/ipfs/" + f.json.String() + "/cbor/file"},
	}
	for _, tt := range deserialized {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := fetch(t, f.url+tt.path, "")
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, f.fileData) {
				t.Fatalf("status %d, %d bytes; expected 200 and the file's %d bytes: %.200s", resp.StatusCode, len(body), len(f.fileData), body)
			}
		})
	}
	cars := []struct {
		name, path string
		root       cid.Cid   // the CAR's root: what the path resolves to (the spec leaves it open; boxo's choice)
		want       []cid.Cid // the CAR's blocks, in order
	}{
		{"DAG-CBOR to UnixFS, all", "/ipfs/" + f.cbor.String() + "/file?format=car", f.file, f.cborFileBlocks},
		{"DAG-CBOR list index", "/ipfs/" + f.cbor.String() + "/nested/list/0?format=car", f.small, []cid.Cid{f.cbor, f.small}},
		{"DAG-JSON to UnixFS, all", "/ipfs/" + f.json.String() + "/file?format=car", f.file, append([]cid.Cid{f.json}, f.fileBlocks...)},
		{"DAG-JSON to DAG-CBOR to UnixFS, block", "/ipfs/" + f.json.String() + "/cbor/file?format=car&dag-scope=block", f.file, f.jsonCBORFileBlockScopeRoots},
	}
	for _, tt := range cars {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := fetch(t, f.url+tt.path, "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, expected 200: %s", resp.StatusCode, body)
			}
			roots, got, complete := carBlocks(t, body)
			if !complete || !slices.Equal(got, tt.want) {
				t.Errorf("CAR blocks %v (complete: %t), expected %v", got, complete, tt.want)
			}
			if len(roots) != 1 || !roots[0].Equals(tt.root) {
				t.Errorf("CAR roots %v, expected [%s]", roots, tt.root)
			}
		})
	}
	t.Run("a path that names nothing", func(t *testing.T) {
		resp, body := fetch(t, f.url+"/ipfs/"+f.cbor.String()+"/nope", "")
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("status %d, expected 404: %s", resp.StatusCode, body)
		}
	})
}

func TestSpecDagScope(t *testing.T) {
	f := newSpecFixture(t)
	tests := []struct {
		name, query string
		root        cid.Cid
		want        []cid.Cid
	}{
		{"DAG-CBOR with links, entity", "dag-scope=entity", f.cbor, []cid.Cid{f.cbor}},
		{"DAG-CBOR with links, block", "dag-scope=block", f.cbor, []cid.Cid{f.cbor}},
		{"DAG-CBOR with links, all", "dag-scope=all", f.cbor, f.cborBlocks},
		{"DAG-CBOR, entity-bytes ignored", "entity-bytes=0:10", f.cbor, []cid.Cid{f.cbor}},
		{"DAG-JSON with links, entity", "dag-scope=entity", f.json, []cid.Cid{f.json}},
		{"UnixFS file, entity", "dag-scope=entity", f.file, f.fileBlocks},
		{"plain CBOR", "", f.plainCBOR, []cid.Cid{f.plainCBOR}},
		{"plain JSON", "", f.plainJSON, []cid.Cid{f.plainJSON}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := fetch(t, f.url+"/ipfs/"+tt.root.String()+"?format=car&"+tt.query, "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, expected 200: %s", resp.StatusCode, body)
			}
			_, got, complete := carBlocks(t, body)
			if !complete || !slices.Equal(got, tt.want) {
				t.Errorf("CAR blocks %v (complete: %t), expected %v", got, complete, tt.want)
			}
		})
	}
	for _, c := range []cid.Cid{f.plainCBOR, f.plainJSON} {
		t.Run(fmt.Sprintf("raw of codec 0x%x", c.Prefix().Codec), func(t *testing.T) {
			resp, body := fetch(t, f.url+"/ipfs/"+c.String()+"?format=raw", "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, expected 200: %s", resp.StatusCode, body)
			}
			if err := dag.CheckBlock(c, body); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestSpecEntityBytesMissingBlocks asks for byte ranges of a file whose
// third block (bytes 1 MiB to 2 MiB) the node does not hold: a range that
// does not need it is a whole CAR of the blocks it needs.
func TestSpecEntityBytesMissingBlocks(t *testing.T) {
	f := newSpecFixture(t)
	root, leaves := f.partialBlocks[0], f.partialBlocks[1:]
	tests := []struct {
		query string
		want  []cid.Cid
	}{
		{"entity-bytes=0:10", []cid.Cid{root, leaves[0]}},
		{"entity-bytes=0:10&dag-scope=entity", []cid.Cid{root, leaves[0]}},
		{"entity-bytes=-10:*", []cid.Cid{root, leaves[2], leaves[3]}},
		{"entity-bytes=2097152:*", []cid.Cid{root, leaves[2], leaves[3]}},
		{"entity-bytes=0:1048575", []cid.Cid{root, leaves[0]}},
		{"entity-bytes=3145728:-1", []cid.Cid{root, leaves[3]}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, body := fetch(t, f.url+"/ipfs/"+f.partial.String()+"?format=car&"+tt.query, "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, expected 200: %s", resp.StatusCode, body)
			}
			_, got, complete := carBlocks(t, body)
			if !complete || !slices.Equal(got, tt.want) {
				t.Errorf("CAR blocks %v (complete: %t), expected %v", got, complete, tt.want)
			}
		})
	}
	t.Run("a range over the missing block is cut", func(t *testing.T) {
		resp, body := fetch(t, f.url+"/ipfs/"+f.partial.String()+"?format=car&entity-bytes=0:1048576", "")
		_, got, complete := carBlocks(t, body)
		if resp.StatusCode != http.StatusOK || complete {
			t.Errorf("status %d, CAR complete: %t with %v; expected 200 and a CAR cut after the block before %s", resp.StatusCode, complete, got, f.missing)
		}
	})
}

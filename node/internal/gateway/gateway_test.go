package gateway_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/go-cid"
	"github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	"github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/gateway"
)

// testGateway serves a gateway over an in-memory blockstore holding one
// UnixFS file of several blocks, and returns its URL, the file's root, its
// bytes and the CIDs of every block of its DAG.
func testGateway(t *testing.T) (url string, root cid.Cid, data []byte, all map[string]bool) {
	t.Helper()
	ctx := context.Background()
	bs := blockstore.NewBlockstore(dssync.MutexWrap(datastore.NewMapDatastore()))
	data = make([]byte, 3<<20+12345) // several chunks, so the root has links
	rand.Read(data)
	res, err := content.ImportReader(ctx, merkledag.NewDAGService(blockservice.New(bs, nil)), bytes.NewReader(data))
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	keys, err := bs.AllKeysChan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all = map[string]bool{} // by multihash: the blockstore keeps no codec
	for k := range keys {
		all[string(k.Hash())] = true
	}
	if len(all) < 2 {
		t.Fatalf("the test file made %d block(s), expected several", len(all))
	}
	h, err := gateway.NewHandler(bs, gateway.Config{})
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, res.Root, data, all
}

func get(t *testing.T, method, url string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp, body
}

func TestRaw(t *testing.T) {
	url, root, _, _ := testGateway(t)
	resp, body := get(t, http.MethodGet, url+"/ipfs/"+root.String()+"?format=raw")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, expected 200: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.ipld.raw" {
		t.Errorf("Content-Type %q, expected application/vnd.ipld.raw", ct)
	}
	if err := dag.CheckBlock(root, body); err != nil {
		t.Errorf("the raw block does not hash to its CID: %v", err)
	}
}

func TestCAR(t *testing.T) {
	url, root, _, all := testGateway(t)
	tests := []struct {
		query string
		want  func(got map[string]bool) bool // which blocks the CAR must hold
	}{
		{"format=car", func(got map[string]bool) bool { return len(got) == len(all) }},
		{"format=car&dag-scope=all&order=dfs&dups=n", func(got map[string]bool) bool { return len(got) == len(all) }},
		{"format=car&dag-scope=block", func(got map[string]bool) bool { return len(got) == 1 && got[string(root.Hash())] }},
		{"format=car&dag-scope=entity&entity-bytes=0:10", func(got map[string]bool) bool { return got[string(root.Hash())] && len(got) < len(all) }},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, body := get(t, http.MethodGet, url+"/ipfs/"+root.String()+"?"+tt.query)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, expected 200: %s", resp.StatusCode, body)
			}
			got := readCAR(t, body, root)
			for h := range got {
				if !all[h] {
					t.Errorf("the CAR holds a block that is not of the DAG")
				}
			}
			if !tt.want(got) {
				t.Errorf("the CAR holds %d of the DAG's %d blocks (root included: %t)", len(got), len(all), got[string(root.Hash())])
			}
		})
	}
}

// readCAR reads a CAR whose root is root and checks every block against its
// CID (dagtest.ReadCAR); it returns the multihashes of the blocks.
func readCAR(t *testing.T, body []byte, root cid.Cid) map[string]bool {
	t.Helper()
	roots, bs, complete := dagtest.ReadCAR(t, body)
	if !complete {
		t.Fatalf("the CAR ends inside a section, after %d blocks", len(bs))
	}
	if len(roots) != 1 || !roots[0].Equals(root) {
		t.Errorf("CAR roots %v, expected [%s]", roots, root)
	}
	got := map[string]bool{}
	for _, b := range bs {
		got[string(b.Cid().Hash())] = true
	}
	return got
}

func TestFile(t *testing.T) {
	url, root, data, _ := testGateway(t)
	resp, body := get(t, http.MethodGet, url+"/ipfs/"+root.String())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, expected 200: %.200s", resp.StatusCode, body)
	}
	if !bytes.Equal(body, data) {
		t.Errorf("got %d bytes, not the file's %d", len(body), len(data))
	}
}

func TestNotHeld(t *testing.T) {
	url, _, _, _ := testGateway(t)
	h, err := multihash.Sum([]byte("not in the store"), multihash.SHA2_256, -1)
	if err != nil {
		t.Fatal(err)
	}
	missing := cid.NewCidV1(cid.Raw, h)
	for _, format := range []string{"raw", "car"} {
		t.Run(format, func(t *testing.T) {
			start := time.Now()
			resp, body := get(t, http.MethodGet, url+"/ipfs/"+missing.String()+"?format="+format)
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode < 500 {
				t.Errorf("status %d, expected 404 or 5xx: %s", resp.StatusCode, body)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v: the gateway should answer at once from its store", d)
			}
		})
	}
}

func TestMethods(t *testing.T) {
	url, root, _, _ := testGateway(t)
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodPost, "/ipfs/" + root.String(), http.StatusMethodNotAllowed},
		{http.MethodPut, "/ipfs/" + root.String(), http.StatusMethodNotAllowed},
		{http.MethodDelete, "/ipfs/" + root.String(), http.StatusMethodNotAllowed},
		{http.MethodHead, "/ipfs/" + root.String() + "?format=raw", http.StatusOK},
		{http.MethodGet, "/ipns/example.com", http.StatusNotFound},
		{http.MethodGet, "/api/v1/id", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := get(t, tt.method, url+tt.path)
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, expected %d: %s", resp.StatusCode, tt.want, body)
			}
		})
	}
}

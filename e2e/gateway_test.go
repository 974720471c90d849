package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/go-cid"
	"github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/dag/dagtest"
)

// gatewayTimeout bounds one request to the gateway.
const gatewayTimeout = 20 * time.Second

// TestGateway fetches a published file's content CID from the daemon's HTTP
// gateway as a raw block, as a CAR and as the file, and checks every block
// against its CID, and the file rebuilt from the CAR against the source.
func TestGateway(t *testing.T) {
	r := newRepo(t)
	src := filepath.Join(t.TempDir(), "big.bin")
	sum := randomFile(t, src, 3<<20+17, 7) // several chunks: a root with links
	pub := r.publish("acme/gw", "1.0.0", []string{src})
	root, err := cid.Decode(pub.Layers[0].Content.S)
	if err != nil {
		t.Fatalf("content CID %q: %v", pub.Layers[0].Content.S, err)
	}

	d := startDaemon(t, r, "--gateway", "127.0.0.1:0")
	gw := d.info().Gateway
	if gw == "" {
		t.Fatalf("daemon.json names no gateway: %+v", d.info())
	}
	var id idJSON
	r.json(&id, "id", "--json")
	if id.Gateway != gw {
		t.Errorf("cairn id --json says gateway %q, daemon.json %q", id.Gateway, gw)
	}
	base := "http://" + gw + "/ipfs/" + root.String()

	t.Run("raw", func(t *testing.T) {
		body := gatewayGet(t, http.MethodGet, base+"?format=raw", http.StatusOK, "application/vnd.ipld.raw")
		if err := dag.CheckBlock(root, body); err != nil {
			t.Errorf("the raw block does not hash to its CID: %v", err)
		}
	})
	t.Run("car", func(t *testing.T) {
		body := gatewayGet(t, http.MethodGet, base+"?format=car&dag-scope=all&order=dfs&dups=n", http.StatusOK, "application/vnd.ipld.car")
		roots, blks, complete := dagtest.ReadCAR(t, body)
		if !complete {
			t.Fatalf("the CAR ends inside a section, after %d blocks", len(blks))
		}
		if len(roots) != 1 || !roots[0].Equals(root) {
			t.Errorf("CAR roots %v, expected [%s]", roots, root)
		}
		bs := blockstore.NewBlockstore(dssync.MutexWrap(datastore.NewMapDatastore()))
		if err := bs.PutMany(context.Background(), blks); err != nil {
			t.Fatal(err)
		}
		n := len(blks)
		if n < 2 {
			t.Fatalf("the CAR holds %d block(s), expected the root and its chunks", n)
		}
		// Every block of the DAG is there if the file rebuilds from them alone.
		var out bytes.Buffer
		if _, _, err := content.Cat(context.Background(), merkledag.NewDAGService(blockservice.New(bs, nil)), root, &out); err != nil {
			t.Fatalf("rebuild the file from the CAR's %d blocks: %v", n, err)
		}
		if got := sha256.Sum256(out.Bytes()); hex.EncodeToString(got[:]) != sum {
			t.Errorf("the file rebuilt from the CAR has sha256 %x, published %s", got, sum)
		}
	})
	t.Run("file", func(t *testing.T) {
		body := gatewayGet(t, http.MethodGet, base, http.StatusOK, "")
		want, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, want) {
			t.Errorf("got %d bytes, not the file's %d", len(body), len(want))
		}
	})
	t.Run("read-only", func(t *testing.T) {
		gatewayGet(t, http.MethodPost, base, http.StatusMethodNotAllowed, "")
	})
}

// gatewayGet sends a request to the gateway, checks its status and, if want
// is set, its media type, and returns its body.
func gatewayGet(t *testing.T, method, url string, status int, contentType string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), gatewayTimeout)
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
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, expected %d: %.300s", method, url, resp.StatusCode, status, body)
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); contentType != "" && mt != contentType {
		t.Errorf("%s %s: Content-Type %q, expected %s", method, url, ct, contentType)
	}
	return body
}

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
)

// specDAG is an IPLD DAG as IPFS tools make it: a DAG-CBOR root
// {"file": F, "json": J, "n": 14}, J a DAG-JSON {"file": F}, F a UnixFS file
// of four leaves (1 MiB, 1 MiB, 1 MiB, 5 bytes).
type specDAG struct {
	root, json, file cid.Cid
	fileBlocks       []cid.Cid // F's root, then its leaves
	data             []byte    // F's bytes
	blocks           []blocks.Block
}

func newSpecDAG(t *testing.T) specDAG {
	t.Helper()
	ctx := context.Background()
	bs := blockstore.NewBlockstore(dssync.MutexWrap(datastore.NewMapDatastore()))
	d := specDAG{data: make([]byte, 3<<20+5)}
	rand.NewChaCha8([32]byte{14}).Read(d.data) // four distinct leaves
	d.file, d.fileBlocks = dagtest.UnixFSFile(t, bs, d.data)
	if len(d.fileBlocks) != 5 {
		t.Fatalf("the file has %d blocks, expected a root and 4 leaves", len(d.fileBlocks))
	}
	for _, c := range d.fileBlocks {
		b, err := bs.Get(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		d.blocks = append(d.blocks, b)
	}
	j := dagtest.IPLDBlock(t, cid.DagJSON, dagtest.Map(t, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "file", qp.Link(cidlink.Link{Cid: d.file}))
	}))
	r := dagtest.IPLDBlock(t, cid.DagCBOR, dagtest.Map(t, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "file", qp.Link(cidlink.Link{Cid: d.file}))
		qp.MapEntry(ma, "json", qp.Link(cidlink.Link{Cid: j.Cid()}))
		qp.MapEntry(ma, "n", qp.Int(14))
	}))
	d.root, d.json = r.Cid(), j.Cid()
	d.blocks = append([]blocks.Block{r, j}, d.blocks...)
	return d
}

// specImport is import's --json output, the part these tests read.
type specImport struct {
	Kept       bool      `json:"kept"`
	Content    []cidJSON `json:"content"`
	Packages   []any     `json:"packages"`
	Unpinned   bool      `json:"unpinned"`
	Incomplete []struct {
		Root    cidJSON `json:"root"`
		Missing int     `json:"missing"`
		First   cidJSON `json:"first"`
	} `json:"incomplete"`
}

// specFetch sends a GET to the gateway with accept as Accept (if set) and
// returns the response and its body.
func specFetch(t *testing.T, url, accept string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), gatewayTimeout)
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
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) { // a cut CAR stream
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp, body
}

// specCAR reads a CAR (dagtest.ReadCAR) and returns its blocks' CIDs and
// whether it ended after a whole section.
func specCAR(t *testing.T, body []byte) (got []cid.Cid, complete bool) {
	_, bs, complete := dagtest.ReadCAR(t, body)
	return dagtest.CIDs(bs), complete
}

// wantHeaders checks the headers the path and trustless gateway specs list.
func wantHeaders(t *testing.T, resp *http.Response, want map[string]string) {
	t.Helper()
	want["Cache-Control"] = "public, max-age=29030400, immutable"
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %q, expected %q", k, got, v)
		}
	}
	if resp.Header.Get("Etag") == "" {
		t.Error("no Etag")
	}
}

// TestGatewaySpec imports a DAG-CBOR-rooted CAR (not a package) while the
// daemon runs, and checks that its gateway serves it per the trustless and
// path gateway specs; then imports, with --no-pin, CARs the gateway made of
// part of that DAG (dag-scope=entity of the DAG-CBOR root, entity-bytes of
// the file) into another repo, whose gateway serves what it holds of them,
// and whose garbage collector removes them.
func TestGatewaySpec(t *testing.T) {
	d := newSpecDAG(t)
	dir := t.TempDir()
	full := filepath.Join(dir, "full.car")
	writeFile(t, full, dagtest.CAR(t, []cid.Cid{d.root}, d.blocks...))

	a := newRepo(t)
	da := startDaemon(t, a, "--gateway", "127.0.0.1:0")
	gwA := "http://" + da.info().Gateway + "/ipfs/"
	var imp specImport
	a.json(&imp, "import", full) // through the daemon
	if !imp.Kept || len(imp.Content) != 1 || imp.Content[0].S != d.root.String() || len(imp.Packages) != 0 || imp.Unpinned {
		t.Fatalf("import of the DAG-CBOR CAR: %+v", imp)
	}
	const carType = "application/vnd.ipld.car; version=1; order=dfs; dups=n"

	t.Run("raw", func(t *testing.T) {
		resp, body := specFetch(t, gwA+d.root.String(), "application/vnd.ipld.raw")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		if err := dag.CheckBlock(d.root, body); err != nil {
			t.Error(err)
		}
		wantHeaders(t, resp, map[string]string{
			"Content-Type": "application/vnd.ipld.raw", "X-Ipfs-Path": "/ipfs/" + d.root.String(),
			"X-Ipfs-Roots": d.root.String(), "Etag": `"` + d.root.String() + `.raw"`,
		})
	})
	t.Run("car", func(t *testing.T) {
		resp, body := specFetch(t, gwA+d.root.String(), "application/vnd.ipld.car")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		wantHeaders(t, resp, map[string]string{
			"Content-Type": carType, "X-Ipfs-Path": "/ipfs/" + d.root.String(), "X-Ipfs-Roots": d.root.String(),
		})
		got, complete := specCAR(t, body)
		want := append([]cid.Cid{d.root}, append(d.fileBlocks, d.json)...) // depth first, map keys in order
		if !complete || !slices.Equal(got, want) {
			t.Errorf("CAR blocks %v (complete: %t), expected %v", got, complete, want)
		}
	})
	t.Run("path through DAG-CBOR and DAG-JSON", func(t *testing.T) {
		path := d.root.String() + "/json/file"
		resp, body := specFetch(t, gwA+path, "")
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, d.data) {
			t.Fatalf("status %d, %d bytes; expected 200 and the file's %d bytes", resp.StatusCode, len(body), len(d.data))
		}
		wantHeaders(t, resp, map[string]string{
			"X-Ipfs-Path": "/ipfs/" + path, "X-Ipfs-Roots": d.root.String() + "," + d.json.String() + "," + d.file.String(),
		})
	})
	t.Run("dag-scope=entity on DAG-CBOR", func(t *testing.T) {
		resp, body := specFetch(t, gwA+d.root.String()+"?format=car&dag-scope=entity", "")
		got, complete := specCAR(t, body)
		if resp.StatusCode != http.StatusOK || !complete || !slices.Equal(got, []cid.Cid{d.root}) {
			t.Errorf("status %d, CAR blocks %v (complete: %t), expected the root block only", resp.StatusCode, got, complete)
		}
	})
	t.Run("identity CID", func(t *testing.T) {
		id := dagtest.IdentityCID(t, cid.Raw, []byte("held by every node"))
		resp, body := specFetch(t, gwA+id.String()+"?format=raw", "")
		if resp.StatusCode != http.StatusOK || string(body) != "held by every node" {
			t.Errorf("status %d, body %q", resp.StatusCode, body)
		}
		resp, body = specFetch(t, gwA+id.String()+"?format=car", "")
		if _, complete := specCAR(t, body); resp.StatusCode != http.StatusOK || !complete {
			t.Errorf("CAR: status %d, complete %t", resp.StatusCode, complete)
		}
	})

	// Part of the DAG, as the gateway gives it: the DAG-CBOR root alone, and
	// the blocks of the file's first 11 bytes.
	entity := filepath.Join(dir, "entity.car")
	resp, body := specFetch(t, gwA+d.root.String()+"?format=car&dag-scope=entity", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("entity CAR: status %d", resp.StatusCode)
	}
	writeFile(t, entity, body)
	rangeCAR := filepath.Join(dir, "range.car")
	resp, body = specFetch(t, gwA+d.file.String()+"?format=car&entity-bytes=0:10", "")
	if got, complete := specCAR(t, body); resp.StatusCode != http.StatusOK || !complete || !slices.Equal(got, d.fileBlocks[:2]) {
		t.Fatalf("entity-bytes CAR: status %d, blocks %v (complete %t), expected %v", resp.StatusCode, got, complete, d.fileBlocks[:2])
	}
	writeFile(t, rangeCAR, body)

	b := newRepo(t)
	db := startDaemon(t, b, "--gateway", "127.0.0.1:0")
	gwB := "http://" + db.info().Gateway + "/ipfs/"
	before := b.snapshot()
	b.fail(2, []string{"invalid bundle", "incomplete bundle"}, "import", entity)
	b.fail(2, []string{"invalid bundle", "incomplete bundle"}, "import", rangeCAR)
	if after := b.snapshot(); after != before {
		t.Fatalf("a refused import changed the repo:\nbefore %s\nafter  %s", before, after)
	}
	b.json(&imp, "import", "--no-pin", entity)
	if !imp.Kept || !imp.Unpinned || len(imp.Incomplete) != 1 || imp.Incomplete[0].Root.S != d.root.String() || imp.Incomplete[0].Missing != 2 {
		t.Fatalf("import --no-pin of the entity CAR: %+v", imp)
	}
	res := b.ok("import", "--no-pin", rangeCAR)
	if !strings.Contains(res.stdout, "content "+d.file.String()+" (not pinned)") || !strings.Contains(res.stdout, "incomplete "+d.file.String()+": lacks 3 block(s)") {
		t.Fatalf("import --no-pin of the range CAR printed:\n%s", res)
	}

	t.Run("partial content is served", func(t *testing.T) {
		tests := []struct {
			path     string
			want     []cid.Cid
			complete bool
		}{
			{d.root.String() + "?format=car&dag-scope=entity", []cid.Cid{d.root}, true},
			{d.file.String() + "?format=car&entity-bytes=0:10", d.fileBlocks[:2], true},
			{d.root.String() + "/file?format=car&entity-bytes=0:10", append([]cid.Cid{d.root}, d.fileBlocks[:2]...), true},
			{d.file.String() + "?format=car", d.fileBlocks[:2], false}, // the whole file: cut at the first missing leaf
		}
		for _, tt := range tests {
			resp, body := specFetch(t, gwB+tt.path, "")
			got, complete := specCAR(t, body)
			if resp.StatusCode != http.StatusOK || complete != tt.complete || !slices.Equal(got, tt.want) {
				t.Errorf("%s: status %d, blocks %v (complete %t), expected %v (complete %t)", tt.path, resp.StatusCode, got, complete, tt.want, tt.complete)
			}
			if resp.Header.Get("Content-Type") != carType || resp.Header.Get("X-Ipfs-Path") == "" {
				t.Errorf("%s: headers %v", tt.path, resp.Header)
			}
		}
		resp, _ := specFetch(t, gwB+d.json.String()+"?format=raw", "")
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("a block B does not hold: status %d, expected 404", resp.StatusCode)
		}
	})
	t.Run("unpinned content is collected", func(t *testing.T) {
		b.ok("repo", "gc")
		for _, c := range []cid.Cid{d.root, d.file, d.fileBlocks[1]} {
			if resp, _ := specFetch(t, gwB+c.String()+"?format=raw", ""); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s after gc: status %d, expected 404", c, resp.StatusCode)
			}
		}
		// A's, pinned, stays.
		a.ok("repo", "gc")
		resp, body := specFetch(t, gwA+d.root.String()+"?format=car", "")
		if got, complete := specCAR(t, body); resp.StatusCode != http.StatusOK || !complete || len(got) != len(d.blocks) {
			t.Errorf("A after gc: status %d, %d blocks (complete %t), expected all %d", resp.StatusCode, len(got), complete, len(d.blocks))
		}
	})
	t.Run("kubo", func(t *testing.T) { specKubo(t, d, gwA) })
}

// specKubo: Kubo's ipfs dag import takes the gateway's CAR of the DAG-CBOR
// root and reads the file through it; Cairn imports Kubo's dag export of it.
func specKubo(t *testing.T, d specDAG, gw string) {
	bin := kuboBin(t)
	ipfsPath := filepath.Join(t.TempDir(), "ipfs")
	kubo := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "IPFS_PATH="+ipfsPath)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("ipfs %v: %v\n%s%s", args, err, out.String(), errb.String())
		}
		return out.String()
	}
	kubo("init", "--profile", "test,unixfs-v1-2025")
	resp, body := specFetch(t, gw+d.root.String()+"?format=car", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("CAR: status %d", resp.StatusCode)
	}
	fromGW := filepath.Join(t.TempDir(), "gw.car")
	writeFile(t, fromGW, body)
	if out := kubo("dag", "import", "--offline", "--stats", fromGW); !strings.Contains(out, d.root.String()) {
		t.Errorf("ipfs dag import did not pin the root %s:\n%s", d.root, out)
	}
	got := kubo("cat", "--offline", "/ipfs/"+d.root.String()+"/json/file")
	if sum, want := sha256.Sum256([]byte(got)), sha256.Sum256(d.data); sum != want {
		t.Errorf("ipfs cat through the DAG-CBOR and DAG-JSON nodes: sha256 %s, want %s", hex.EncodeToString(sum[:]), hex.EncodeToString(want[:]))
	}

	exported := kubo("dag", "export", "--offline", d.root.String())
	kcar := filepath.Join(t.TempDir(), "kubo.car")
	writeFile(t, kcar, []byte(exported))
	c := newRepo(t)
	var imp specImport
	c.json(&imp, "import", kcar)
	if !imp.Kept || len(imp.Content) != 1 || imp.Content[0].S != d.root.String() || imp.Unpinned {
		t.Errorf("import of Kubo's dag export: %+v", imp)
	}
}

package dagstream

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/ipfs/boxo/blockservice"
	bstore "github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	format "github.com/ipfs/go-ipld-format"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/frame"
)

func newStore() bstore.Blockstore {
	return bstore.NewBlockstore(dssync.MutexWrap(datastore.NewMapDatastore()))
}

// hosts returns two connected hosts: a server and a client.
func hosts(t *testing.T) (srv, cli host.Host) {
	t.Helper()
	mn, err := mocknet.FullMeshConnected(2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mn.Close() })
	hs := mn.Hosts()
	return hs[0], hs[1]
}

// testDAG stores in bs a package whose layers are a ~5 MiB UnixFS file and a
// three-level dag-pb tree holding one leaf twice, and returns the package's
// CID and the number of distinct blocks below it (itself included).
func testDAG(t *testing.T, bs bstore.Blockstore) (cid.Cid, int) {
	t.Helper()
	ctx := context.Background()
	dags := merkledag.NewDAGService(blockservice.New(bs, nil))
	data := make([]byte, 5<<20+12345)
	rand.Read(data)
	res, err := content.ImportReader(ctx, dags, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	v1 := func(n *merkledag.ProtoNode) *merkledag.ProtoNode {
		n.SetCidBuilder(cid.V1Builder{Codec: cid.DagProtobuf, MhType: multihash.SHA2_256})
		return n
	}
	shared := v1(merkledag.NodeWithData([]byte("shared leaf")))
	var mids []*merkledag.ProtoNode
	for i := range 3 {
		mid := v1(merkledag.NodeWithData([]byte{byte(i)}))
		leaf := v1(merkledag.NodeWithData([]byte{'l', byte(i)}))
		for _, n := range []*merkledag.ProtoNode{leaf, shared} {
			if err := mid.AddNodeLink("", n); err != nil {
				t.Fatal(err)
			}
			if err := dags.Add(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		if err := dags.Add(ctx, mid); err != nil {
			t.Fatal(err)
		}
		mids = append(mids, mid)
	}
	top := v1(merkledag.NodeWithData([]byte("top")))
	for _, m := range mids {
		if err := top.AddNodeLink("", m); err != nil {
			t.Fatal(err)
		}
	}
	if err := dags.Add(ctx, top); err != nil {
		t.Fatal(err)
	}
	pkg := dagtest.Package(t, "acme/big", "1.0.0", data)
	pkg.Layers[0].Content = res.Root
	l := pkg.Layers[0]
	l.Name, l.Content = "tree", top.Cid()
	pkg.Layers = append(pkg.Layers, l)
	raw, c := dagtest.MustEncode(t, pkg)
	blk, _ := blocks.NewBlockWithCid(raw, c)
	if err := bs.Put(ctx, blk); err != nil {
		t.Fatal(err)
	}
	n, err := Missing(ctx, []cid.Cid{c}, func(c cid.Cid) (blocks.Block, error) { return bs.Get(ctx, c) })
	if err != nil || len(n) != 0 {
		t.Fatalf("the test DAG is not whole: missing %v, %v", n, err)
	}
	keys, _ := bs.AllKeysChan(ctx)
	count := 0
	for range keys {
		count++
	}
	// 1 package + file root + 6 leaves (5 MiB and a bit) + top + 3 mids + 3 leaves + 1 shared.
	if count < 14 {
		t.Fatalf("test DAG has %d blocks, expected at least 14", count)
	}
	return c, count
}

// recorder is a put that keeps what it was given, and fails on a repeat.
type recorder struct {
	mu   sync.Mutex
	bs   bstore.Blockstore
	got  []cid.Cid
	seen map[cid.Cid]bool
	t    *testing.T
}

func newRecorder(t *testing.T, bs bstore.Blockstore) *recorder {
	return &recorder{bs: bs, seen: map[cid.Cid]bool{}, t: t}
}

func (r *recorder) put(b blocks.Block) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[b.Cid()] {
		r.t.Errorf("%s was put twice", b.Cid())
	}
	if err := dag.CheckBlock(b.Cid(), b.RawData()); err != nil {
		r.t.Errorf("put a block that does not verify: %v", err)
	}
	r.seen[b.Cid()] = true
	r.got = append(r.got, b.Cid())
	return r.bs.Put(context.Background(), b)
}

func (r *recorder) get(c cid.Cid) (blocks.Block, error) { return r.bs.Get(context.Background(), c) }

func TestRoundTrip(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, cli := hosts(t)
	sbs := newStore()
	root, count := testDAG(t, sbs)
	Serve(context.Background(), srv, sbs)

	rec := newRecorder(t, newStore())
	if err := Fetch(ctx, cli, srv.ID(), []cid.Cid{root}, rec.put, nil); err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != count {
		t.Fatalf("got %d blocks, expected %d", len(rec.got), count)
	}
	// Blocks are put once their hashes are checked, in the stream's order
	// (which is checked as it is read: see TestLyingServer); every block of
	// the DAG, the root too, is put once.
	if !rec.seen[root] {
		t.Fatalf("the root %s was not put", root)
	}
	if m, err := Missing(ctx, []cid.Cid{root}, rec.get); err != nil || len(m) != 0 {
		t.Fatalf("after the transfer, missing %v, %v", m, err)
	}

	// have: blocks the client has are checked but not put again.
	rec2 := newRecorder(t, newStore())
	if err := Fetch(ctx, cli, srv.ID(), []cid.Cid{root}, rec2.put, func(c cid.Cid) bool { return !c.Equals(root) }); err != nil {
		t.Fatal(err)
	}
	if len(rec2.got) != 1 {
		t.Fatalf("with have, put %d blocks, expected 1", len(rec2.got))
	}
}

// TestFirstBlocksPutAtOnce: blocks are hashed in batches, but the first
// block of a stream is put as soon as it is checked, without waiting for
// more: a put that wants only the first block (a fetch that splits a DAG
// across peers) stops the stream there. The server holds the rest back
// until the first put.
func TestFirstBlocksPutAtOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sbs := newStore()
	root, _ := testDAG(t, sbs)
	order := honest(t, sbs, root)
	srv, cli := hosts(t)
	firstPut := make(chan struct{})
	lie(srv, func(w io.Writer) {
		bw := bufio.NewWriter(w)
		writeBlock(bw, order[0].Cid(), order[0].RawData())
		bw.Flush()
		select {
		case <-firstPut:
		case <-time.After(10 * time.Second):
		}
		for _, b := range order[1:] {
			writeBlock(bw, b.Cid(), b.RawData())
		}
		frame.Write(bw, nil)
		bw.Flush()
	})
	errStop := errors.New("stop")
	start := time.Now()
	err := Fetch(ctx, cli, srv.ID(), []cid.Cid{root}, func(b blocks.Block) error {
		if !b.Cid().Equals(root) {
			t.Errorf("put %s first, expected the root", b.Cid())
		}
		close(firstPut)
		return errStop
	}, nil)
	if !errors.Is(err, errStop) {
		t.Fatalf("err = %v, expected the put's", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the first block was put after %v: it waited for the blocks the server held back", d)
	}
}

// reusing is a BlockReader over bs that reads every block into the caller's
// buffer, after filling the whole buffer with garbage: bytes of an earlier
// block that a server still held after reading the next would be garbage.
type reusing struct {
	bstore.Blockstore
	reads int
}

func (r *reusing) ReadBlock(ctx context.Context, c cid.Cid, buf []byte) ([]byte, error) {
	r.reads++
	b, err := r.Get(ctx, c)
	if err != nil {
		return nil, err
	}
	buf = buf[:cap(buf)]
	for i := range buf {
		buf[i] = 0xa5
	}
	if len(buf) < len(b.RawData()) {
		buf = make([]byte, len(b.RawData()))
	}
	return buf[:copy(buf, b.RawData())], nil
}

// TestServeReusesOneBuffer: a server over a BlockReader reads every block
// into one buffer, and what it sends is still every block, whole.
func TestServeReusesOneBuffer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, cli := hosts(t)
	sbs := newStore()
	root, count := testDAG(t, sbs)
	r := &reusing{Blockstore: sbs}
	Serve(context.Background(), srv, r)

	rec := newRecorder(t, newStore())
	if err := Fetch(ctx, cli, srv.ID(), []cid.Cid{root}, rec.put, nil); err != nil {
		t.Fatal(err)
	}
	if m, err := Missing(ctx, []cid.Cid{root}, rec.get); err != nil || len(m) != 0 {
		t.Fatalf("after the transfer, missing %v, %v", m, err)
	}
	// The walk reads the shared leaf once for each of its three parents.
	if r.reads < count {
		t.Fatalf("the server read %d blocks through ReadBlock, want at least %d", r.reads, count)
	}
}

// honest returns the blocks the server would send for root, in order.
func honest(t *testing.T, bs bstore.Blockstore, root cid.Cid) []blocks.Block {
	t.Helper()
	var out []blocks.Block
	w := newWalk([]cid.Cid{root})
	for c, ok := w.next(); ok; c, ok = w.next() {
		b, err := bs.Get(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := Links(c, b.RawData())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
		w.push(ls)
	}
	return out
}

// lie serves, on srv, the raw frames that frames returns for each request.
func lie(srv host.Host, frames func(w io.Writer)) {
	srv.SetStreamHandler(ID, func(s network.Stream) {
		defer s.Close()
		if _, err := readFrame(bufio.NewReader(s), MaxRequestSize); err != nil {
			s.Reset()
			return
		}
		frames(s)
	})
}

func TestLyingServer(t *testing.T) {
	sbs := newStore()
	root, _ := testDAG(t, sbs)
	order := honest(t, sbs, root)
	other := rawBlock(t, []byte("not in the DAG"))
	// A leaf's bytes with one bit flipped, under its CID: they decode (raw
	// bytes always do), so only the hash check can catch them.
	leaf := slices.IndexFunc(order, func(b blocks.Block) bool { return b.Cid().Prefix().Codec == cid.Raw })
	forged := bytes.Clone(order[leaf].RawData())
	forged[len(forged)/2] ^= 1
	forgedLeaf := slices.Concat(order[:leaf], []blocks.Block{mustBlock(t, forged, order[leaf].Cid())}, order[leaf+1:])
	cases := []struct {
		name string
		send []blocks.Block // what the server sends, then the end
		bad  cid.Cid        // must not be put
		puts int            // blocks put before the lie; -1: any number
		err  error          // the error, if more precise than the kind
	}{
		{"data does not match", append([]blocks.Block{mustBlock(t, []byte("forged"), root)}, order[1:]...), root, 0, nil},
		// Blocks are hashed in batches: which of the others get put depends
		// on when the batch with the leaf is checked.
		{"leaf data does not match", forgedLeaf, order[leaf].Cid(), -1, dag.ErrHashMismatch},
		{"another CID", append([]blocks.Block{order[0], other}, order[2:]...), other.Cid(), 1, nil},
		{"out of order", append([]blocks.Block{order[0], order[2], order[1]}, order[3:]...), order[2].Cid(), 1, nil},
		{"a block twice", append([]blocks.Block{order[0], order[1], order[1]}, order[2:]...), cid.Undef, 2, nil},
		{"ends early", order[:3], cid.Undef, 3, nil},
		{"too much", append(order[:len(order):len(order)], other), other.Cid(), len(order), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			srv, cli := hosts(t)
			lie(srv, func(w io.Writer) {
				bw := bufio.NewWriter(w)
				for _, b := range tc.send {
					writeBlock(bw, b.Cid(), b.RawData())
				}
				frame.Write(bw, nil)
				bw.Flush()
			})
			rec := newRecorder(t, newStore())
			err := Fetch(ctx, cli, srv.ID(), []cid.Cid{root}, rec.put, nil)
			if !errors.Is(err, ErrUnexpected) && !errors.Is(err, ErrIncomplete) {
				t.Fatalf("err = %v, expected ErrUnexpected or ErrIncomplete", err)
			}
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, expected %v", err, tc.err)
			}
			t.Log(err)
			if tc.bad.Defined() && rec.seen[tc.bad] {
				t.Fatalf("the bad block %s was put", tc.bad)
			}
			if tc.puts >= 0 && len(rec.got) != tc.puts {
				t.Fatalf("put %d blocks, expected %d", len(rec.got), tc.puts)
			}
		})
	}
}

// rawBlock returns a CIDv1 raw block of data.
func rawBlock(t *testing.T, data []byte) blocks.Block {
	t.Helper()
	c, _ := dagtest.Content(t, data)
	return mustBlock(t, data, c)
}

func mustBlock(t *testing.T, data []byte, c cid.Cid) blocks.Block {
	t.Helper()
	b, err := blocks.NewBlockWithCid(data, c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// failing is a Blockstore that stops finding blocks after n reads.
type failing struct {
	bstore.Blockstore
	mu sync.Mutex
	n  int
}

func (f *failing) Get(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		return nil, errors.New("disk on fire")
	}
	f.n--
	return f.Blockstore.Get(ctx, c)
}

func TestResume(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, cli := hosts(t)
	sbs := newStore()
	root, count := testDAG(t, sbs)
	f := &failing{Blockstore: sbs, n: 5}
	Serve(context.Background(), srv, f)

	rec := newRecorder(t, newStore())
	err := Fetch(ctx, cli, srv.ID(), []cid.Cid{root}, rec.put, nil)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("err = %v, expected ErrIncomplete", err)
	}
	if len(rec.got) == 0 || len(rec.got) > 5 {
		t.Fatalf("put %d blocks before the break, expected 1 to 5", len(rec.got))
	}
	first := len(rec.got)
	frontier, err := Missing(ctx, []cid.Cid{root}, rec.get)
	if err != nil {
		t.Fatal(err)
	}
	if len(frontier) == 0 {
		t.Fatal("nothing missing after a broken transfer")
	}
	for _, c := range frontier {
		if rec.seen[c] {
			t.Fatalf("frontier holds %s, which arrived", c)
		}
	}
	f.mu.Lock()
	f.n = count
	f.mu.Unlock()
	if err := Fetch(ctx, cli, srv.ID(), frontier, rec.put, nil); err != nil {
		t.Fatal(err) // the recorder fails the test if a block comes twice
	}
	if len(rec.got) != count {
		t.Fatalf("after resuming, %d blocks (%d then %d), expected %d", len(rec.got), first, len(rec.got)-first, count)
	}
	if m, err := Missing(ctx, []cid.Cid{root}, rec.get); err != nil || len(m) != 0 {
		t.Fatalf("after resuming, missing %v, %v", m, err)
	}
}

// TestOversizedFrame: a block frame longer than the limit is refused from its
// length alone (frame.ErrTooLarge), and a block larger than MaxBlockSize is
// refused even in a frame within the limit, with its true CID and nothing
// else wrong with it; put is never called.
func TestOversizedFrame(t *testing.T) {
	big := make([]byte, MaxBlockSize+1)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	bigBlock := rawBlock(t, big)
	for _, tc := range []struct {
		name string
		root cid.Cid
		send func(w io.Writer)
		want error
	}{
		{"frame over the limit", rawBlock(t, []byte("x")).Cid(), func(w io.Writer) {
			frame.Write(w, make([]byte, maxCIDSize+MaxBlockSize+1))
		}, frame.ErrTooLarge},
		{"block over the limit", bigBlock.Cid(), func(w io.Writer) {
			writeBlock(w, bigBlock.Cid(), bigBlock.RawData())
			frame.Write(w, nil)
		}, ErrUnexpected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			srv, cli := hosts(t)
			lie(srv, func(w io.Writer) {
				bw := bufio.NewWriter(w)
				tc.send(bw)
				bw.Flush()
			})
			called := false
			err := Fetch(ctx, cli, srv.ID(), []cid.Cid{tc.root}, func(blocks.Block) error { called = true; return nil }, nil)
			if !errors.Is(err, ErrUnexpected) || !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, expected ErrUnexpected wrapping %v", err, tc.want)
			}
			if called {
				t.Fatal("put was called")
			}
		})
	}
}

func TestRequestLimits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, cli := hosts(t)
	sbs := newStore()
	b := rawBlock(t, []byte("leaf"))
	sbs.Put(ctx, b)
	Serve(context.Background(), srv, sbs)

	many := make([]cid.Cid, MaxRoots+1)
	for i := range many {
		many[i] = b.Cid()
	}
	if err := Fetch(ctx, cli, srv.ID(), many, func(blocks.Block) error { return nil }, nil); !errors.Is(err, ErrUnexpected) {
		t.Fatalf("client: %d roots: err = %v, expected ErrUnexpected", len(many), err)
	}
	tooMany, err := encodeRequest(many)
	if err != nil {
		t.Fatal(err)
	}
	for name, req := range map[string][]byte{
		"too many roots": tooMany,
		"no roots":       {0xa1, 0x65, 'r', 'o', 'o', 't', 's', 0x80},
		"not cbor":       []byte("abc"),
		"too large":      make([]byte, MaxRequestSize+1),
	} {
		t.Run(name, func(t *testing.T) {
			s, err := cli.NewStream(ctx, srv.ID(), ID)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			frame.Write(s, req)
			s.CloseWrite()
			s.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.ReadAll(s); err == nil {
				t.Fatal("the server answered; expected a reset")
			}
		})
	}
	// A request whose length is over the limit is refused from its length:
	// the server resets the stream without waiting for the bytes.
	t.Run("too large, refused from its length", func(t *testing.T) {
		s, err := cli.NewStream(ctx, srv.ID(), ID)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var hdr [binary.MaxVarintLen64]byte
		if _, err := s.Write(hdr[:binary.PutUvarint(hdr[:], MaxRequestSize+1)]); err != nil {
			t.Fatal(err)
		}
		var waited atomic.Bool
		timer := time.AfterFunc(5*time.Second, func() { waited.Store(true); s.Reset() })
		defer timer.Stop()
		_, err = io.ReadAll(s)
		if waited.Load() || err == nil {
			t.Fatalf("err = %v after waiting %v; expected a reset before the request's bytes came", err, waited.Load())
		}
	})
	// One root, the real thing: a single block then the end.
	got := 0
	if err := Fetch(ctx, cli, srv.ID(), []cid.Cid{b.Cid()}, func(blocks.Block) error { got++; return nil }, nil); err != nil || got != 1 {
		t.Fatalf("one leaf: %d blocks, %v", got, err)
	}
}

// A DAG deeper than MaxDepth is refused by the walks, the server's, the
// receiver's and Missing's: a chain built to exhaust walkers.
func TestTooDeep(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, depth := range []int{MaxDepth, MaxDepth + 1} {
		sbs := newStore()
		leaf := blocks.NewBlock([]byte("bottom"))
		leafC, err := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: 0x12, MhLength: -1}.Sum(leaf.RawData())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := blocks.NewBlockWithCid(leaf.RawData(), leafC)
		if err := sbs.Put(ctx, b); err != nil {
			t.Fatal(err)
		}
		top := leafC
		for range depth { // depth nodes above the leaf: the leaf is depth levels down
			n := merkledag.NodeWithData(unixfs.FilePBData(nil, 6))
			if err := n.AddRawLink("", &format.Link{Cid: top, Size: 6}); err != nil {
				t.Fatal(err)
			}
			n.SetCidBuilder(cid.V1Builder{Codec: cid.DagProtobuf, MhType: 0x12})
			if err := sbs.Put(ctx, n); err != nil {
				t.Fatal(err)
			}
			top = n.Cid()
		}
		srv, cli := hosts(t)
		Serve(context.Background(), srv, sbs)
		rec := newRecorder(t, newStore())
		err = Fetch(ctx, cli, srv.ID(), []cid.Cid{top}, rec.put, nil)
		_, merr := Missing(ctx, []cid.Cid{top}, func(c cid.Cid) (blocks.Block, error) { return sbs.Get(ctx, c) })
		if depth <= MaxDepth && (err != nil || merr != nil) {
			t.Errorf("depth %d: Fetch = %v, Missing = %v; want both to succeed", depth, err, merr)
		}
		// Too deep: Missing refuses; the server's walk stops (and resets the
		// stream) where the receiver's would, before sending that level.
		if depth > MaxDepth && (err == nil || len(rec.got) > MaxDepth+1 || !errors.Is(merr, ErrTooDeep)) {
			t.Errorf("depth %d: Fetch = %v after %d blocks, Missing = %v; want both refused", depth, err, len(rec.got), merr)
		}
	}
}

// TestReadBlockFrames: readBlock gives each frame's CID and data, the data
// of a large block in a buffer of its own that starts on a page boundary
// (what lets the store write it with O_DIRECT), and refuses a frame cut
// short or not starting with a CID.
func TestReadBlockFrames(t *testing.T) {
	var stream bytes.Buffer
	w := bufio.NewWriter(&stream)
	var want []blocks.Block
	for _, n := range []int{1, 4096, 1 << 20} {
		data := make([]byte, n)
		rand.Read(data)
		b := rawBlock(t, data)
		want = append(want, b)
		if err := writeBlock(w, b.Cid(), b.RawData()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(bytes.NewReader(stream.Bytes()))
	for _, b := range want {
		c, data, err := readBlock(r, MaxBlockSize)
		if err != nil || !c.Equals(b.Cid()) || !bytes.Equal(data, b.RawData()) {
			t.Fatalf("read %s (%d bytes), %v; want %s", c, len(data), err, b.Cid())
		}
		if len(data) >= 1<<20 && uintptr(unsafe.Pointer(&data[0]))%4096 != 0 {
			t.Errorf("the data of a %d-byte block starts at %p, not on a page boundary", len(data), &data[0])
		}
	}
	for name, frame := range map[string][]byte{
		"cut in the CID":  stream.Bytes()[:3],
		"cut in the data": stream.Bytes()[:37],
		"no CID":          {3, 0xff, 0xff, 0xff},
	} {
		if _, _, err := readBlock(bufio.NewReader(bytes.NewReader(frame)), MaxBlockSize); err == nil {
			t.Errorf("%s: read a block", name)
		} else if name != "no CID" && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: %v, want an unexpected EOF", name, err)
		}
	}
}

package dagstream

import (
	"bytes"
	"context"
	"crypto/rand"
	"sync/atomic"
	"testing"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/ipld/merkledag"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/node/internal/p2p"
)

// BenchmarkFetch measures the protocol alone: a 256 MiB file (1 MiB raw
// leaves) served from memory and received by Fetch, which checks every block
// and hands it to a put that drops it, between two Cairn hosts over TCP on
// loopback. No store: the ceiling of a fetch with --transport stream.
//
//	go test -run '^$' -bench Fetch -benchtime 8x ./node/internal/dagstream/
func BenchmarkFetch(b *testing.B) {
	ctx := context.Background()
	sbs := newStore()
	data := make([]byte, 256<<20)
	rand.Read(data)
	res, err := content.ImportReader(ctx, merkledag.NewDAGService(blockservice.New(sbs, nil)), bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	data = nil
	srv, cli := benchHost(b), benchHost(b)
	Serve(context.Background(), srv, sbs)
	if err := cli.Connect(ctx, peer.AddrInfo{ID: srv.ID(), Addrs: srv.Addrs()}); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	put := func(blk blocks.Block) error { n.Add(int64(len(blk.RawData()))); return nil }
	b.SetBytes(256 << 20)
	b.ResetTimer()
	for b.Loop() {
		if err := Fetch(ctx, cli, srv.ID(), []cid.Cid{res.Root}, put, nil); err != nil {
			b.Fatal(err)
		}
	}
	if n.Load() < int64(b.N)<<28 {
		b.Fatalf("put %d bytes, expected at least %d", n.Load(), int64(b.N)<<28)
	}
}

func benchHost(b *testing.B) host.Host {
	b.Helper()
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	h, err := p2p.NewHost(p2p.HostConfig{Identity: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	return h
}

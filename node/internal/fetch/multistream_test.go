package fetch_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/node/internal/fetch"
)

// TestStreamFromManyPeers: a package of 48 MiB (48 chunks of 1 MiB, handed out two at a time) from
// three peers that stream DAGs: each peer streams part of it, no block
// comes twice, and everything is kept; when one peer's streams fail after
// a block (a reset, or a lie caught by the hash check), its share comes
// from the others and the fetch still completes.
func TestStreamFromManyPeers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		failAfter []int // per stream peer; -1: never fails
	}{
		{"three peers", []int{-1, -1, -1}},
		{"one peer fails midway", []int{-1, 1, -1}},
		{"two peers fail at once", []int{0, -1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			var peers []peer.ID
			for _, n := range tc.failAfter {
				p := fx.net.addPeer(t, true)
				if n >= 0 {
					fx.net.failAfter[p] = n
				}
				peers = append(peers, p)
			}
			data := make([]byte, 48<<20)
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			info := fx.publishFiles(fx.key, "acme/big@1.0.0", map[string][]byte{"big.bin": data})
			res, _, err := within(t, 30*time.Second, func() (*fetch.Result, error) {
				return fx.f.Package(context.Background(), info.CID, nil, time.Minute, fetch.WithTransport(fetch.TransportStream))
			})
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}
			fx.checkKept(info)
			if res.Blocks != int64(len(info.Blocks)) {
				t.Errorf("counted %d blocks, want %d", res.Blocks, len(info.Blocks))
			}
			used := map[peer.ID]int{}
			for _, c := range fx.net.streamCalls() {
				used[c.peer]++
			}
			for i, p := range peers {
				if used[p] == 0 {
					t.Errorf("peer %d was never asked", i)
				}
			}
			if twice := fx.net.sentTwice(); len(twice) > 0 {
				t.Errorf("%d block(s) streamed twice: %v", len(twice), twice)
			}
			healthy := 0
			for _, n := range tc.failAfter {
				if n < 0 {
					healthy++
				}
			}
			if healthy > 1 {
				for i, p := range peers {
					if tc.failAfter[i] < 0 && used[p] < 2 {
						t.Errorf("healthy peer %d streamed %d chunk(s): the work was not shared", i, used[p])
					}
				}
			}
		})
	}
}

package fetch_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/node/internal/fetch"
	"github.com/cairnpkg/cairn/node/internal/store"
)

// TestTransport fetches a package whose DAG streams can fail midway:
// TransportStream fails with store.ErrNotFound when no peer streams the
// whole DAG, and keeps nothing; TransportAuto falls back to bitswap; a
// second stream peer is asked only for what the first did not send.
func TestTransport(t *testing.T) {
	for _, tc := range []struct {
		name      string
		transport fetch.Transport
		// failAfter, per stream peer, how many blocks it sends before its
		// stream fails (-1: it sends all). No entries: no stream peer.
		failAfter []int
		wantErr   error
		// overBitswap: some blocks of the DAG must come over bitswap; else
		// none may.
		overBitswap bool
	}{
		{name: "stream, no stream peer", transport: fetch.TransportStream, wantErr: store.ErrNotFound},
		{name: "stream, stream fails midway", transport: fetch.TransportStream, failAfter: []int{2}, wantErr: store.ErrNotFound},
		{name: "stream, second peer resumes", transport: fetch.TransportStream, failAfter: []int{2, -1}},
		{name: "auto, no stream peer", transport: fetch.TransportAuto, overBitswap: true},
		{name: "auto, stream fails midway", transport: fetch.TransportAuto, failAfter: []int{2}, overBitswap: true},
		{name: "auto, stream fails at once", transport: fetch.TransportAuto, failAfter: []int{0}, overBitswap: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			fx.net.addPeer(t, false) // answers lookups, does not stream
			for _, n := range tc.failAfter {
				p := fx.net.addPeer(t, true)
				if n >= 0 {
					fx.net.failAfter[p] = n
				}
			}
			info := fx.publish(fx.key, "acme/app@1.0.0")
			before := fx.stat()

			res, _, err := within(t, 20*time.Second, func() (*fetch.Result, error) {
				return fx.f.Package(context.Background(), info.CID, nil, time.Minute, fetch.WithTransport(tc.transport))
			})
			contentOverBitswap := slices.ContainsFunc(fx.net.exchangedBlocks(), func(c cid.Cid) bool { return slices.ContainsFunc(info.Below, c.Equals) })
			if contentOverBitswap != tc.overBitswap {
				t.Errorf("content blocks over bitswap: %v, want %v", contentOverBitswap, tc.overBitswap)
			}
			calls := fx.net.streamCalls()
			if len(calls) != len(tc.failAfter) {
				t.Errorf("%d stream calls, want one per stream peer (%d)", len(calls), len(tc.failAfter))
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if after := fx.stat(); after != before {
					t.Errorf("store changed: %+v, was %+v", after, before)
				}
				fx.checkNotKept(info)
				return
			}
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}
			fx.checkKept(info)
			if res.Blocks != int64(len(info.Blocks)) || res.Bytes != info.Bytes {
				t.Errorf("counted %d blocks, %d bytes; want %d, %d", res.Blocks, res.Bytes, len(info.Blocks), info.Bytes)
			}
			// A peer after the first resumes from the blocks already here.
			if len(calls) > 1 {
				sent := info.DAG[:tc.failAfter[0]]
				for _, r := range calls[1].roots {
					if slices.ContainsFunc(sent, r.Equals) {
						t.Errorf("second peer asked for %s again, which the first sent", r)
					}
				}
				if len(calls[1].roots) == 0 {
					t.Error("second peer asked for nothing")
				}
			}
		})
	}
}

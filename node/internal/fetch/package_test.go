package fetch_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/fetch"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// TestPackageByCID fetches a published package by CID over each transport:
// every block lands in the destination, counted, verified, pinned and
// indexed, and the fetch is announced; the DAG comes over the stream unless
// the transport is bitswap.
func TestPackageByCID(t *testing.T) {
	for _, tc := range []struct {
		name      string
		transport fetch.Transport
		viaFetch  bool // Fetch(CID string) rather than Package(CID)
		streamed  bool // the package's DAG must come over /cairn/car, none of it over bitswap
	}{
		{name: "auto", transport: fetch.TransportAuto, streamed: true},
		{name: "stream", transport: fetch.TransportStream, streamed: true},
		{name: "bitswap", transport: fetch.TransportBitswap},
		{name: "Fetch by CID string", transport: fetch.TransportAuto, viaFetch: true, streamed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			fx := newFixture(t)
			p := fx.net.addPeer(t, true)
			info := fx.publish(fx.key, "acme/app@1.0.0")

			var (
				res *fetch.Result
				err error
			)
			if tc.viaFetch {
				res, err = fx.f.Fetch(ctx, info.CID.String(), time.Minute, fetch.WithTransport(tc.transport))
			} else {
				res, err = fx.f.Package(ctx, info.CID, nil, time.Minute, fetch.WithTransport(tc.transport))
			}
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}
			if !res.Package.Equals(info.CID) || res.Name != "acme/app" || res.Version != "1.0.0" {
				t.Errorf("result names %s %s@%s, want %s acme/app@1.0.0", res.Package, res.Name, res.Version, info.CID)
			}
			if res.Report == nil || !res.Report.Trusted() {
				t.Errorf("report %+v, want trusted", res.Report)
			}
			if res.Blocks != int64(len(info.Blocks)) || res.Bytes != info.Bytes {
				t.Errorf("counted %d blocks, %d bytes; want %d, %d", res.Blocks, res.Bytes, len(info.Blocks), info.Bytes)
			}
			if !slices.Contains(res.Peers, p.String()) {
				t.Errorf("peers %v, want %s among them", res.Peers, p)
			}
			fx.checkKept(info)
			if got := fx.published(); len(got) != 1 || !got[0].Equals(info.CID) {
				t.Errorf("Published events for %v, want one for %s", got, info.CID)
			}
			if !slices.Contains(fx.rec.Events(), events.Event(events.Verified{Status: sign.Valid})) {
				t.Errorf("events %v: no Verified{valid}", fx.rec.Events())
			}

			calls := fx.net.streamCalls()
			// The package node comes first, over bitswap, with the other small
			// nodes its verdict reads; its content comes after, streamed.
			overBitswap := slices.ContainsFunc(fx.net.exchangedBlocks(), func(c cid.Cid) bool { return slices.ContainsFunc(info.Below, c.Equals) })
			if tc.streamed {
				if len(calls) != 1 || !slices.Equal(calls[0].roots, info.Content) {
					t.Errorf("stream calls %v, want one for the content roots %v", calls, info.Content)
				}
				if overBitswap {
					t.Errorf("content blocks came over bitswap (%v) though the stream had them all", fx.net.exchangedBlocks())
				}
				// The signature and metadata set come over the stream too, in
				// one round trip each; only the package node over bitswap.
				if got := fx.net.exchangedBlocks(); len(got) != 1 || !got[0].Equals(info.CID) {
					t.Errorf("over bitswap: %v, want only the package node %s", got, info.CID)
				}
				if len(fx.net.nodeStreamCalls()) == 0 {
					t.Error("no small node was streamed")
				}
			} else {
				if len(calls) != 0 {
					t.Errorf("bitswap transport streamed: %v", calls)
				}
				if !overBitswap {
					t.Error("bitswap transport got no content block over bitswap")
				}
			}
		})
	}
}

// TestUntrusted fetches a package whose only signature is by a key the
// policy does not name: the error wraps trust.ErrUntrusted, the Result holds
// the untrusted verdict, and nothing is kept.
func TestUntrusted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fetch func(fx *fixture, info pkgInfo) (*fetch.Result, error)
	}{
		{name: "Package by CID", fetch: func(fx *fixture, info pkgInfo) (*fetch.Result, error) {
			return fx.f.Package(context.Background(), info.CID, nil, time.Minute)
		}},
		{name: "Fetch by name", fetch: func(fx *fixture, info pkgInfo) (*fetch.Result, error) {
			fx.net.claim(fx.net.Peers("")[0], info.Ref, info.CID)
			return fx.f.Fetch(context.Background(), info.Ref.String(), time.Minute)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			fx.net.addPeer(t, true)
			info := fx.publish(fx.stranger, "acme/app@1.0.0")
			before := fx.stat()

			res, err := tc.fetch(fx, info)
			if !errors.Is(err, trust.ErrUntrusted) {
				t.Fatalf("err = %v, want trust.ErrUntrusted", err)
			}
			if res == nil || res.Report == nil {
				t.Fatalf("result %+v: want the verdicts", res)
			}
			if res.Report.Status != sign.Untrusted || res.Report.Trusted() {
				t.Errorf("report status %q (%s), want %q", res.Report.Status, res.Report.Reason, sign.Untrusted)
			}
			if after := fx.stat(); after != before {
				t.Errorf("store changed: %+v, was %+v", after, before)
			}
			fx.checkNotKept(info)
			if got := fx.published(); len(got) != 0 {
				t.Errorf("Published events for %v after an untrusted fetch", got)
			}
		})
	}
}

// TestNodeBytesMustMatchTheirCID: a peer that answers a want for the
// package's node with other bytes (here a well-formed package that the
// policy trusts, acme/app@2.0.0) is not believed: what does not hash to the
// CID asked for counts as not served, and nothing is kept.
func TestNodeBytesMustMatchTheirCID(t *testing.T) {
	fx := newFixture(t)
	fx.net.addPeer(t, true)
	info := fx.publish(fx.key, "acme/app@1.0.0")
	other := fx.publish(fx.key, "acme/app@2.0.0")
	ob, _ := fx.net.block(other.CID)
	forged, err := blockOf(info.CID, ob.RawData())
	if err != nil {
		t.Fatal(err)
	}
	fx.net.mu.Lock()
	fx.net.blocks[info.CID] = forged
	fx.net.mu.Unlock()
	before := fx.stat()

	res, err := fx.f.Package(context.Background(), info.CID, nil, time.Minute)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Package = %+v, %v; want store.ErrNotFound: no peer served the package's bytes", res, err)
	}
	if after := fx.stat(); after != before {
		t.Errorf("store changed: %+v, was %+v", after, before)
	}
}

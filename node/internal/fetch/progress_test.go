package fetch_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/node/internal/fetch"
)

// TestProgress: while a fetch waits for content nobody has, Progress lists
// it with its target, what arrived and the package's size; once it is
// cancelled, it is gone.
func TestProgress(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target func(info pkgInfo) string
	}{
		{name: "by CID", target: func(info pkgInfo) string { return info.CID.String() }},
		{name: "by name", target: func(info pkgInfo) string { return info.Ref.String() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			p := fx.net.addPeer(t, false)
			info := fx.publish(fx.key, "acme/app@1.0.0")
			fx.net.claim(p, info.Ref, info.CID)
			nodes := info.nodes()
			nodeBytes := 0
			for _, c := range nodes {
				b, _ := fx.net.block(c)
				nodeBytes += len(b.RawData())
			}
			fx.net.drop(info.Below...) // what its verdict reads is left, not its content

			if got := fx.f.Progress(); len(got) != 0 {
				t.Fatalf("Progress before any fetch: %+v", got)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type result struct {
				res *fetch.Result
				err error
			}
			done := make(chan result, 1)
			go func() {
				res, err := fx.f.Fetch(ctx, tc.target(info), time.Minute)
				done <- result{res, err}
			}()
			select {
			case <-fx.net.stalled():
			case r := <-done:
				t.Fatalf("fetch ended before it waited: %+v, %v", r.res, r.err)
			case <-time.After(20 * time.Second):
				t.Fatal("the fetch never waited for a block")
			}

			got := fx.f.Progress()
			if len(got) != 1 {
				t.Fatalf("Progress = %+v, want one fetch", got)
			}
			pr := got[0]
			if pr.Target != info.CID.String() {
				t.Errorf("target %q, want %q", pr.Target, info.CID)
			}
			if pr.Blocks != int64(len(nodes)) || pr.Bytes != int64(nodeBytes) {
				t.Errorf("%d blocks, %d bytes arrived; want the %d, %d of the nodes its verdict reads", pr.Blocks, pr.Bytes, len(nodes), nodeBytes)
			}
			if pr.Total != info.Size {
				t.Errorf("total %d, want the package's %d", pr.Total, info.Size)
			}
			if pr.Peers != 1 {
				t.Errorf("peers %d, want 1", pr.Peers)
			}

			cancel()
			select {
			case r := <-done:
				if !errors.Is(r.err, context.Canceled) {
					t.Errorf("cancelled fetch: err = %v, want context.Canceled", r.err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the fetch did not end when cancelled")
			}
			if got := fx.f.Progress(); len(got) != 0 {
				t.Errorf("Progress after the fetch ended: %+v", got)
			}
		})
	}
}

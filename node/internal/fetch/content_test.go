package fetch_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/node/internal/fetch"
)

// TestContent fetches a UnixFS DAG (not a package) by its CID over
// bitswap: every block lands and the root is pinned, as content.
func TestContent(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	fx.net.addPeer(t, true)
	info := fx.publish(fx.key, "acme/app@1.0.0")
	root := info.Content[0]
	below := info.DAG[1:] // the layer's directory and its files

	res, err := fx.f.Fetch(ctx, root.String(), time.Minute)
	if err != nil {
		t.Fatalf("Fetch(%s): %v", root, err)
	}
	if !res.Package.Equals(root) || res.Blocks != int64(len(below)) {
		t.Errorf("result %s with %d blocks, want %s with %d", res.Package, res.Blocks, root, len(below))
	}
	for _, c := range below {
		if ok, err := fx.dst.Has(ctx, c); err != nil || !ok {
			t.Errorf("block %s not in the destination (%v)", c, err)
		}
	}
	if ok, err := fx.dst.IsPinned(ctx, root); err != nil || !ok {
		t.Errorf("%s not pinned (%v)", root, err)
	}
	if ok, _ := fx.dst.Has(ctx, info.CID); ok {
		t.Error("the package node came along with its content")
	}
	if len(fx.net.streamCalls()) != 0 {
		t.Errorf("content was streamed: %v", fx.net.streamCalls())
	}
	if got := fx.published(); !slices.ContainsFunc(got, root.Equals) {
		t.Errorf("Published events for %v, want one for %s", got, root)
	}
}

// TestContentTimeout: content nobody has ends at the timeout, whether it
// comes through Fetch or Content, and nothing is kept.
func TestContentTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, tc := range []struct {
		name  string
		fetch func(fx *fixture, info pkgInfo) (*fetch.Result, error)
	}{
		{name: "Fetch", fetch: func(fx *fixture, info pkgInfo) (*fetch.Result, error) {
			return fx.f.Fetch(context.Background(), info.Content[0].String(), timeout)
		}},
		{name: "Content", fetch: func(fx *fixture, info pkgInfo) (*fetch.Result, error) {
			return fx.f.Content(context.Background(), info.Content[0], timeout)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			fx.net.addPeer(t, true)
			info := fx.publish(fx.key, "acme/app@1.0.0")
			fx.net.drop(info.DAG[2:]...) // the directory node alone is left of the content
			before := fx.stat()

			_, elapsed, err := within(t, 20*time.Second, func() (*fetch.Result, error) { return tc.fetch(fx, info) })
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want context.DeadlineExceeded", err)
			}
			for _, want := range []string{"not complete within " + timeout.String(), "1 blocks received"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if elapsed > timeout+10*time.Second {
				t.Errorf("returned after %s, want soon after its timeout of %s", elapsed, timeout)
			}
			if after := fx.stat(); after != before {
				t.Errorf("store changed: %+v, was %+v", after, before)
			}
		})
	}
}

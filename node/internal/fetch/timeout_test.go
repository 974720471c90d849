package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/node/internal/fetch"
)

// TestFetchTimeout fetches a package whose node a peer has but whose
// content nobody has: the fetch ends at its timeout with an error wrapping
// context.DeadlineExceeded that says so and counts what arrived, and the
// destination is left as it was.
func TestFetchTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, tc := range []struct {
		name   string
		target func(info pkgInfo) string
	}{
		{name: "by CID", target: func(info pkgInfo) string { return info.CID.String() }},
		{name: "by name", target: func(info pkgInfo) string { return info.Ref.String() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			p := fx.net.addPeer(t, true)
			info := fx.publish(fx.key, "acme/app@1.0.0")
			fx.net.claim(p, info.Ref, info.CID)
			fx.net.drop(info.Below...) // what its verdict reads is left, not its content
			nodes := info.nodes()
			before := fx.stat()

			_, elapsed, err := within(t, 20*time.Second, func() (*fetch.Result, error) {
				return fx.f.Fetch(context.Background(), tc.target(info), timeout)
			})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want context.DeadlineExceeded", err)
			}
			t.Logf("after %s: %v", elapsed, err)
			for _, want := range []string{"not complete within " + timeout.String(), fmt.Sprintf("%d blocks received", len(nodes))} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if elapsed < timeout || elapsed > timeout+10*time.Second {
				t.Errorf("Fetch returned after %s, want soon after its timeout of %s", elapsed, timeout)
			}
			if after := fx.stat(); after != before {
				t.Errorf("store changed: %+v, was %+v", after, before)
			}
			fx.checkNotKept(info)
			if got := fx.f.Progress(); len(got) != 0 {
				t.Errorf("Progress after the fetch ended: %+v", got)
			}
		})
	}
}

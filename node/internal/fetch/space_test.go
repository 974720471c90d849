package fetch_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/node/internal/fetch"
)

// TestStorageMax: a fetch is refused, with nothing kept, when the repo's
// usage has reached storage_max, or when what the package's layers declare
// (with the budget's slack) would take it past; it is kept when it fits.
// A content fetch, whose size nothing declares, is cut off at the bound.
func TestStorageMax(t *testing.T) {
	const max = 100 << 20
	for _, tc := range []struct {
		name    string
		used    func(info pkgInfo) uint64
		content bool // fetch the first layer's content by CID, not the package
		kept    bool
		says    string
	}{
		{"usage at the bound", func(pkgInfo) uint64 { return max }, false, false, "uses 100.0 MiB of its storage_max 100.0 MiB; nothing was kept"},
		{"usage over the bound", func(pkgInfo) uint64 { return max + 1 }, false, false, "storage_max 100.0 MiB"},
		{"declared content does not fit", func(i pkgInfo) uint64 { return max - fetch.BudgetSlack - uint64(i.Size) + 1 }, false, false, "and fetching acme/app@1.0.0 needs up to"},
		{"declared content fits", func(i pkgInfo) uint64 { return max - fetch.BudgetSlack - uint64(i.Size) - 4096 }, false, true, ""},
		{"unbounded content cut off", func(pkgInfo) uint64 { return max - 10 }, true, false, "needs up to"},
		{"unbounded content fits", func(pkgInfo) uint64 { return max - 1<<20 }, true, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			fx := newFixture(t)
			fx.net.addPeer(t, true)
			info := fx.publish(fx.key, "acme/app@1.0.0")
			used := tc.used(info)
			fx.configure(func(c *fetch.Config) {
				c.StorageMax = max
				c.Usage = func(context.Context) (uint64, error) { return used, nil }
			})
			before := fx.stat()
			var err error
			if tc.content {
				_, err = fx.f.Fetch(ctx, info.Content[0].String(), time.Minute)
			} else {
				_, err = fx.f.Package(ctx, info.CID, nil, time.Minute)
			}
			if tc.kept {
				if err != nil {
					t.Fatalf("fetch: %v", err)
				}
				if !tc.content {
					fx.checkKept(info)
				}
				return
			}
			if !errors.Is(err, fetch.ErrStorageMax) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "raise storage_max_mib") {
				t.Fatalf("fetch error = %v, want ErrStorageMax saying %q", err, tc.says)
			}
			fx.checkNotKept(info)
			if after := fx.stat(); after != before {
				t.Errorf("store after the refused fetch %+v, before %+v", after, before)
			}
		})
	}
}

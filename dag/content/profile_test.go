package content

import (
	"testing"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
)

// TestProfileMatchesBoxo checks the constants against boxo's own definition of
// the profile, so a change on either side is noticed.
func TestProfileMatchesBoxo(t *testing.T) {
	p := uio.UnixFS_v1_2025
	if p.ChunkSize != ChunkSize || p.FileDAGWidth != MaxLinks || !p.RawLeaves ||
		p.HAMTShardingSize != HAMTShardingSize || p.HAMTShardWidth != HAMTShardWidth ||
		p.HAMTSizeEstimation != hamtSizeEstimation {
		t.Errorf("boxo's unixfs-v1-2025 profile %+v differs from ours", p)
	}
	if got, want := cidBuilder(), p.CidBuilder(); got != want {
		t.Errorf("cid prefix %v, boxo's profile has %v", got, want)
	}
}

// TestBoxoGlobalDefaults pins the boxo globals that the import depends on and
// that have no per-call option. We never set them; if a boxo upgrade changes
// their defaults, CIDs would change silently, so this test fails instead.
func TestBoxoGlobalDefaults(t *testing.T) {
	// The order of the Links and Data fields in dag-pb blocks. The profile
	// wants the canonical links-first order.
	if mdag.DefaultPBNodeFieldOrder != mdag.PBNodeLinksFirst {
		t.Errorf("merkledag.DefaultPBNodeFieldOrder = %v, want links first", mdag.DefaultPBNodeFieldOrder)
	}
	if mdag.DefaultPBNodeFieldOrder != uio.UnixFS_v1_2025.PBNodeFieldOrder {
		t.Errorf("merkledag.DefaultPBNodeFieldOrder = %v, profile wants %v",
			mdag.DefaultPBNodeFieldOrder, uio.UnixFS_v1_2025.PBNodeFieldOrder)
	}
	// The importer rejects leaves above this limit.
	if helpers.BlockSizeLimit < ChunkSize {
		t.Errorf("helpers.BlockSizeLimit = %d, below the chunk size %d", helpers.BlockSizeLimit, ChunkSize)
	}
}

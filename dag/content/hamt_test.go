package content

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
)

// entryName gives directory entries long names so that few are needed to
// pass the sharding threshold.
func entryName(i int) string {
	return fmt.Sprintf("entry-%05d-%s", i, strings.Repeat("x", 200))
}

// TestHAMTThreshold checks that a directory built with our options turns into
// a HAMT exactly when its basic dag-pb block would exceed HAMTShardingSize,
// i.e. that the per-directory threshold and the block-size estimate are in
// force rather than boxo's global defaults.
func TestHAMTThreshold(t *testing.T) {
	ctx := context.Background()
	dag := memDAG()
	leaf, err := mdag.NewRawNodeWPrefix(nil, cidBuilder())
	if err != nil {
		t.Fatal(err)
	}
	d, err := uio.NewDirectory(dag, directoryOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	switched := -1
	for i := 0; i < 10000 && switched < 0; i++ {
		if err := d.AddChild(ctx, entryName(i), leaf); err != nil {
			t.Fatal(err)
		}
		if _, ok := d.(*uio.DynamicDirectory).Directory.(*uio.HAMTDirectory); ok {
			switched = i + 1 // entries when it became a HAMT
		}
	}
	if switched < 0 {
		t.Fatal("directory never became a HAMT")
	}
	basicSize := func(n int) int {
		nd := unixfs.EmptyDirNode()
		for i := range n {
			if err := nd.AddNodeLink(entryName(i), leaf); err != nil {
				t.Fatal(err)
			}
		}
		return len(nd.RawData())
	}
	below, above := basicSize(switched-1), basicSize(switched)
	if below > HAMTShardingSize || above <= HAMTShardingSize {
		t.Errorf("became a HAMT at %d entries: basic block %d bytes before, %d after; threshold %d",
			switched, below, above, HAMTShardingSize)
	}
	nd, err := d.GetNode()
	if err != nil {
		t.Fatal(err)
	}
	fsn, err := unixfs.FSNodeFromBytes(nd.(*mdag.ProtoNode).Data())
	if err != nil {
		t.Fatal(err)
	}
	if fsn.Type() != unixfs.THAMTShard || fsn.Fanout() != HAMTShardWidth {
		t.Errorf("root type %v fanout %d, want HAMT shard with fanout %d", fsn.Type(), fsn.Fanout(), HAMTShardWidth)
	}
}

// TestHAMTRoundTrip imports a directory large enough to be sharded and
// exports it back.
func TestHAMTRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("creates thousands of files")
	}
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "big")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	const n = 1200
	for i := range n {
		if err := os.WriteFile(filepath.Join(src, entryName(i)), []byte(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dag := memDAG()
	res, err := ImportPath(ctx, dag, src)
	if err != nil {
		t.Fatal(err)
	}
	root, err := dag.Get(ctx, res.Root)
	if err != nil {
		t.Fatal(err)
	}
	fsn, err := unixfs.FSNodeFromBytes(root.(*mdag.ProtoNode).Data())
	if err != nil {
		t.Fatal(err)
	}
	if fsn.Type() != unixfs.THAMTShard {
		t.Fatalf("root type %v, want a HAMT shard", fsn.Type())
	}
	dst := filepath.Join(t.TempDir(), "out")
	if _, err := Export(ctx, dag, res.Root, dst); err != nil {
		t.Fatal(err)
	}
	assertSameTree(t, src, dst)
}

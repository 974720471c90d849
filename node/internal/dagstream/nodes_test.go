package dagstream

import (
	"context"
	"errors"
	"testing"
	"time"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
)

// TestFetchNodes asks for single nodes: a CBOR node and a raw leaf come
// whole; a package's content is never taken (ErrNotAsked, the package node
// alone kept); a node the server lacks ends the transfer (the nodes before
// it are kept if they arrived before the reset: best effort, not checked).
func TestFetchNodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, cli := hosts(t)
	sbs := newStore()
	pkg, _ := testDAG(t, sbs)
	leaf := rawBlock(t, []byte("a leaf"))
	if err := sbs.Put(ctx, leaf); err != nil {
		t.Fatal(err)
	}
	absent := rawBlock(t, []byte("not on the server")).Cid()
	Serve(context.Background(), srv, sbs)
	fetch := func(ctx context.Context, roots []cid.Cid, put func(blocks.Block) error) error {
		return Fetch(ctx, cli, srv.ID(), roots, put, nil)
	}

	for _, tc := range []struct {
		name    string
		ask     []cid.Cid
		want    []cid.Cid
		wantErr error
		atMost  bool // want is what may arrive, not what must
	}{
		{name: "leaf", ask: []cid.Cid{leaf.Cid()}, want: []cid.Cid{leaf.Cid()}},
		{name: "package: its node, none of its content", ask: []cid.Cid{pkg}, want: []cid.Cid{pkg}, wantErr: ErrNotAsked},
		{name: "absent", ask: []cid.Cid{leaf.Cid(), absent}, want: []cid.Cid{leaf.Cid()}, wantErr: ErrIncomplete, atMost: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FetchNodes(ctx, tc.ask, fetch)
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if len(got) > len(tc.want) || !tc.atMost && len(got) != len(tc.want) {
				t.Fatalf("got %d blocks, want %d", len(got), len(tc.want))
			}
			for _, c := range tc.want {
				if _, ok := got[c]; !ok && !tc.atMost {
					t.Errorf("%s not got", c)
				}
			}
		})
	}
}

package heads_test

import (
	"context"
	"log/slog"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/node/internal/heads"
)

// A node answers peers and runs a Syncer; what peers hold goes to a queue
// that fetches and verifies the entries. (Compiled, not run: it needs hosts.)
func Example() {
	var h host.Host // the node's libp2p host
	ctx := context.Background()
	src := func(ctx context.Context) ([]heads.Head, error) { return nil, nil } // the logs held
	hints := make(chan []heads.Head, 64)
	sink := func(p peer.ID, hs []heads.Head) {
		select {
		case hints <- hs: // fetch, verify, then follow
		default: // busy: the next round brings them again
		}
	}
	if h == nil {
		return
	}
	heads.Serve(context.Background(), h, src, sink, nil)
	s := heads.StartSync(ctx, h, heads.SyncConfig{Source: src, Sink: sink, Log: slog.Default()})
	defer s.Close()
}

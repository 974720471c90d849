package heads

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// syncNode is a host that serves heads and runs a Syncer into one sink.
type syncNode struct {
	host.Host
	src  *source
	sink *sink
	sync *Syncer
}

func newSyncNode(t *testing.T, cfg SyncConfig, heads ...Head) *syncNode {
	t.Helper()
	n := &syncNode{Host: newHost(t), src: &source{}, sink: newSink()}
	n.src.set(heads...)
	Serve(context.Background(), n, n.src.get, n.sink.put, nil)
	cfg.Source, cfg.Sink = n.src.get, n.sink.put
	n.sync = StartSync(context.Background(), n, cfg)
	t.Cleanup(func() { n.sync.Close() })
	return n
}

func TestSyncOnConnect(t *testing.T) {
	cfg := SyncConfig{Interval: time.Hour}
	a := newSyncNode(t, cfg, testHead(t, 1, 4))
	b := newSyncNode(t, cfg, testHead(t, 2, 7), testHead(t, 3, 1))
	connect(t, a, b)
	wantA, _ := a.src.get(context.Background())
	wantB, _ := b.src.get(context.Background())
	a.sink.waitFor(t, b.ID(), "A has B's heads", func(hs []Head) bool { return equalHeads(hs, wantB) })
	b.sink.waitFor(t, a.ID(), "B has A's heads", func(hs []Head) bool { return equalHeads(hs, wantA) })
}

func TestSyncPeriodically(t *testing.T) {
	a := newSyncNode(t, SyncConfig{Interval: 50 * time.Millisecond}, testHead(t, 1, 1))
	// b only serves: each exchange it sees was asked by a's Syncer.
	b, sinkB := newHost(t), newSink()
	Serve(context.Background(), b, nil, sinkB.put, nil)
	connect(t, a, b)
	sinkB.waitFor(t, a.ID(), "b has a's first head", func(hs []Head) bool { return len(hs) == 1 })

	// That exchange read a's source before b's sink saw it, so only a later
	// exchange, on the same connection, brings these.
	later := []Head{testHead(t, 1, 2), testHead(t, 5, 1)}
	a.src.set(later...)
	sinkB.waitFor(t, a.ID(), "b has a's later heads", func(hs []Head) bool { return equalHeads(hs, later) })
	if n := len(a.Network().ConnsToPeer(b.ID())); n != 1 {
		t.Fatalf("%d connections, want the first one only", n)
	}
}

// TestSyncSpacesOutAFlappingPeer: reconnecting does not bring a new exchange
// within MinSpacing.
func TestSyncSpacesOutAFlappingPeer(t *testing.T) {
	a := newSyncNode(t, SyncConfig{Interval: time.Hour, MinSpacing: time.Hour})
	// b and c only serve, so every exchange they see was asked by a's Syncer.
	b, c := newHost(t), newHost(t)
	sinkB, sinkC := newSink(), newSink()
	Serve(context.Background(), b, nil, sinkB.put, nil)
	Serve(context.Background(), c, nil, sinkC.put, nil)
	identified := watchIdentify(t, a)

	connect(t, a, b)
	sinkB.waitFor(t, a.ID(), "b is asked once", func([]Head) bool { return true })
	for range 3 {
		if err := a.Network().ClosePeer(b.ID()); err != nil {
			t.Fatal(err)
		}
		connect(t, a, b)
		identified(b.ID())
	}
	// Events reach a's Syncer in order: once c's exchange runs, b's
	// reconnections have been seen.
	connect(t, a, c)
	sinkC.waitFor(t, a.ID(), "c is asked", func([]Head) bool { return true })
	if n := sinkB.count(a.ID()); n != 1 {
		t.Fatalf("b asked %d times, want 1", n)
	}
}

// watchIdentify returns a function that waits, at most 10 s, for h to finish
// identifying p on a new connection.
func watchIdentify(t *testing.T, h host.Host) func(p peer.ID) {
	t.Helper()
	sub, err := h.EventBus().Subscribe(new(event.EvtPeerIdentificationCompleted))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	return func(p peer.ID) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case e := <-sub.Out():
				if evt := e.(event.EvtPeerIdentificationCompleted); evt.Peer == p && slices.Contains(evt.Protocols, ID) {
					return
				}
			case <-deadline:
				t.Fatalf("%s never identified", p)
			}
		}
	}
}

func TestSyncCloseIsIdempotent(t *testing.T) {
	h := newHost(t)
	s := StartSync(context.Background(), h, SyncConfig{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

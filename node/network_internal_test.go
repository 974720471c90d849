package node

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/internal/waittest"
)

// TestProvidePassWaitsForDHTPeers: a provide pass with no peer in the DHT's
// routing table tells no one, so it is skipped and keeps no record; once a
// peer joins, the pass runs without waiting for the reprovide interval, and
// the peer's DHT finds this daemon as a provider of the package.
func TestProvidePassWaitsForDHTPeers(t *testing.T) {
	ctx := context.Background()
	a := testRepo(t, nil)
	root := testPublish(t, a, "acme/app@1.0.0", "provided once someone listens").Package
	da := startInternalDaemon(t, a)

	// The first pass runs 5 s after the start.
	waittest.Until(t, 15*time.Second, "the first provide pass to find no DHT peer", da.provideWaiting.Load)
	if got, err := da.dht.ProviderStore().GetProviders(ctx, root.Hash()); err != nil || len(got) != 0 {
		t.Fatalf("a pass with no DHT peer kept provider records: %v, %v", got, err)
	}

	db := startInternalDaemon(t, testRepo(t, nil))
	if err := db.Connect(ctx, da.Info().Addrs[0]); err != nil {
		t.Fatal(err)
	}
	waittest.Until(t, 30*time.Second, "the provide pass to run once the DHT has a peer", func() bool {
		got, err := da.dht.ProviderStore().GetProviders(ctx, root.Hash())
		return err == nil && len(got) > 0 && !da.provideWaiting.Load()
	})
	waittest.Until(t, 30*time.Second, "the peer to find the daemon as a provider", func() bool {
		fctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		for p := range db.dht.FindProvidersAsync(fctx, root, 1) {
			if p.ID == da.host.ID() {
				return true
			}
		}
		return false
	})
}

// startInternalDaemon starts a daemon on r on loopback, without mDNS.
func startInternalDaemon(t *testing.T, r *Repo) *Daemon {
	t.Helper()
	off, gw := false, "127.0.0.1:0"
	d, err := StartDaemon(context.Background(), r, DaemonOptions{
		Listen: []string{"/ip4/127.0.0.1/tcp/0"}, API: "127.0.0.1:0", Gateway: &gw, MDNS: &off,
	})
	if err != nil {
		t.Fatalf("StartDaemon: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestBlockCounterCountsWhenRead: the block count is made when read, kept
// for storeStatInterval, made again after it; a failed count keeps the last.
func TestBlockCounterCountsWhenRead(t *testing.T) {
	counts, n := 0, 7
	var fail error
	b := &blockCounter{count: func(context.Context) (int, error) { counts++; return n, fail }}
	if got := b.Blocks(); got != 7 || counts != 1 {
		t.Fatalf("first read: %d after %d counts, want 7 after 1", got, counts)
	}
	n = 8
	if got := b.Blocks(); got != 7 || counts != 1 {
		t.Fatalf("read within the interval: %d after %d counts, want 7 after 1", got, counts)
	}
	b.at = b.at.Add(-storeStatInterval)
	if got := b.Blocks(); got != 8 || counts != 2 {
		t.Fatalf("read after the interval: %d after %d counts, want 8 after 2", got, counts)
	}
	b.at, n, fail = b.at.Add(-storeStatInterval), 9, errors.New("disk gone")
	if got := b.Blocks(); got != 8 || counts != 3 {
		t.Fatalf("a failed count: %d after %d counts, want the last, 8, after 3", got, counts)
	}
}

package node

import (
	"context"
	"testing"
	"time"
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
	waitUntil(t, 15*time.Second, "the first provide pass to find no DHT peer", da.provideWaiting.Load)
	if got, err := da.dht.ProviderStore().GetProviders(ctx, root.Hash()); err != nil || len(got) != 0 {
		t.Fatalf("a pass with no DHT peer kept provider records: %v, %v", got, err)
	}

	db := startInternalDaemon(t, testRepo(t, nil))
	if err := db.Connect(ctx, da.Info().Addrs[0]); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "the provide pass to run once the DHT has a peer", func() bool {
		got, err := da.dht.ProviderStore().GetProviders(ctx, root.Hash())
		return err == nil && len(got) > 0 && !da.provideWaiting.Load()
	})
	waitUntil(t, 30*time.Second, "the peer to find the daemon as a provider", func() bool {
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

// waitUntil polls cond every 50 ms until it holds, failing after limit.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

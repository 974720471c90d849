// Package p2ptest holds test fixtures for the protocols that run on libp2p
// hosts: a host on loopback with a fresh identity, and a bounded connect.
// Production code never imports it.
//
//	a, b := p2ptest.Host(t), p2ptest.Host(t)
//	p2ptest.Connect(t, a, b)
package p2ptest

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/node/internal/p2p"
)

// Host starts a host with a fresh identity on loopback TCP (port chosen
// by the OS, unless listen says otherwise), closed when the test ends: a
// fixture for tests of the protocols that run on hosts.
func Host(t testing.TB, listen ...string) host.Host {
	t.Helper()
	if len(listen) == 0 {
		listen = []string{"/ip4/127.0.0.1/tcp/0"}
	}
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h, err := p2p.NewHost(p2p.HostConfig{Identity: key, Listen: listen, UserAgent: "cairn/test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// Connect connects a to b, failing the test if that takes over 10 s.
func Connect(t testing.TB, a, b host.Host) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Connect(ctx, peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
		t.Fatalf("connect %s to %s: %v", a.ID(), b.ID(), err)
	}
}

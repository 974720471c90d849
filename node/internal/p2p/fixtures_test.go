package p2p

import (
	"crypto/rand"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
)

// testHostOn starts a host with a fresh identity on loopback TCP (port chosen
// by the OS, unless listen says otherwise), closed when the test ends: a
// fixture for tests of the protocols that run on hosts.
func testHostOn(t testing.TB, listen ...string) host.Host {
	t.Helper()
	if len(listen) == 0 {
		listen = []string{"/ip4/127.0.0.1/tcp/0"}
	}
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHost(HostConfig{Identity: key, Listen: listen, UserAgent: "cairn/test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

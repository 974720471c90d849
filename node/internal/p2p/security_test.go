package p2p

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
)

// TestSecurityNegotiation: two Cairn hosts secure TCP with TLS, and a peer
// that offers only one of the two transports still connects, with that one.
func TestSecurityNegotiation(t *testing.T) {
	for _, tc := range []struct {
		name string
		peer func(t *testing.T) host.Host // nil: another Cairn host
		want protocol.ID
	}{
		{"cairn", nil, libp2ptls.ID},
		{"noise only", func(t *testing.T) host.Host { return newOneSecurityHost(t, libp2p.Security(noise.ID, noise.New)) }, noise.ID},
		{"tls only", func(t *testing.T) host.Host {
			return newOneSecurityHost(t, libp2p.Security(libp2ptls.ID, libp2ptls.New))
		}, libp2ptls.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestHost(t, "/ip4/127.0.0.1/tcp/0")
			var other host.Host = newTestHost(t, "/ip4/127.0.0.1/tcp/0")
			if tc.peer != nil {
				other = tc.peer(t)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			// Both directions: the dialer's order and the listener's order must agree.
			for _, pair := range [][2]host.Host{{a, other}, {other, a}} {
				dialer, listener := pair[0], pair[1]
				if err := dialer.Connect(ctx, peer.AddrInfo{ID: listener.ID(), Addrs: listener.Addrs()}); err != nil {
					t.Fatalf("connect: %v", err)
				}
				conns := dialer.Network().ConnsToPeer(listener.ID())
				if len(conns) == 0 {
					t.Fatal("no connection")
				}
				if got := conns[0].ConnState().Security; got != tc.want {
					t.Fatalf("security %q, want %q", got, tc.want)
				}
				dialer.Network().ClosePeer(listener.ID())
			}
		})
	}
}

// newOneSecurityHost is a TCP host with yamux and only the given security
// transport, as another implementation might be.
func newOneSecurityHost(tb testing.TB, security libp2p.Option) host.Host {
	tb.Helper()
	h, err := libp2p.New(
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
		libp2p.NoTransports, libp2p.Transport(tcp.NewTCPTransport),
		security,
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.DisableRelay(),
	)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { h.Close() })
	return h
}

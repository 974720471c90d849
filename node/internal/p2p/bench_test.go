package p2p

import (
	"context"
	"crypto/rand"
	"io"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	ma "github.com/multiformats/go-multiaddr"
)

func newBenchHost(b *testing.B) host.Host {
	b.Helper()
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	h, err := NewHost(HostConfig{Identity: key, Listen: []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	return h
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// BenchmarkStreamThroughput measures one libp2p stream between two hosts on
// loopback, as the DAG stream and bitswap use them: the ceiling of a fetch.
func BenchmarkStreamThroughput(b *testing.B) {
	for _, proto := range []string{"/tcp/", "/quic-v1"} {
		b.Run(proto, func(b *testing.B) {
			a := newBenchHost(b)
			c := newBenchHost(b)
			a.SetStreamHandler("/bench", func(s network.Stream) {
				io.Copy(io.Discard, s)
				s.Close()
			})
			var addr = a.Addrs()[0]
			for _, x := range a.Addrs() {
				if contains(x.String(), proto) {
					addr = x
				}
			}
			if err := c.Connect(context.Background(), peer.AddrInfo{ID: a.ID(), Addrs: []ma.Multiaddr{addr}}); err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 1<<20)
			b.SetBytes(256 << 20)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s, err := c.NewStream(network.WithAllowLimitedConn(context.Background(), "bench"), a.ID(), "/bench")
				if err != nil {
					b.Fatal(err)
				}
				for j := 0; j < 256; j++ {
					if _, err := s.Write(buf); err != nil {
						b.Fatal(err)
					}
				}
				s.CloseWrite()
				io.Copy(io.Discard, s)
				s.Close()
			}
		})
	}
}

// BenchmarkSecurityThroughput measures one stream over TCP between two hosts
// that both offer only the given security transport: what the order of
// security transports in NewHost costs a transfer.
func BenchmarkSecurityThroughput(b *testing.B) {
	for _, sec := range []struct {
		name string
		opt  libp2p.Option
	}{
		{"noise", libp2p.Security(noise.ID, noise.New)},
		{"tls", libp2p.Security(libp2ptls.ID, libp2ptls.New)},
	} {
		b.Run(sec.name, func(b *testing.B) {
			a := newOneSecurityHost(b, sec.opt)
			c := newOneSecurityHost(b, sec.opt)
			a.SetStreamHandler("/bench", func(s network.Stream) {
				io.Copy(io.Discard, s)
				s.Close()
			})
			if err := c.Connect(context.Background(), peer.AddrInfo{ID: a.ID(), Addrs: a.Addrs()}); err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 1<<20)
			b.SetBytes(256 << 20)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s, err := c.NewStream(context.Background(), a.ID(), "/bench")
				if err != nil {
					b.Fatal(err)
				}
				for j := 0; j < 256; j++ {
					if _, err := s.Write(buf); err != nil {
						b.Fatal(err)
					}
				}
				s.CloseWrite()
				io.Copy(io.Discard, s)
				s.Close()
			}
		})
	}
}

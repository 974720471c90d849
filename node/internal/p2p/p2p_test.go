package p2p

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

func newTestHost(t *testing.T, listen ...string) *testHost {
	return &testHost{testHostOn(t, listen...)}
}

type testHost struct{ host.Host }

func TestHostsConnectOverTCPAndQUIC(t *testing.T) {
	for _, proto := range []string{"/tcp/", "/quic-v1"} {
		t.Run(strings.Trim(proto, "/"), func(t *testing.T) {
			a := newTestHost(t, "/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1")
			b := newTestHost(t, "/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1")
			var addr ma.Multiaddr
			for _, x := range a.Addrs() {
				if strings.Contains(x.String(), proto) {
					addr = x
				}
			}
			if addr == nil {
				t.Fatalf("no %s address among %v", proto, a.Addrs())
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := b.Connect(ctx, peer.AddrInfo{ID: a.ID(), Addrs: []ma.Multiaddr{addr}}); err != nil {
				t.Fatalf("connect over %s: %v", proto, err)
			}
			conns := b.Network().ConnsToPeer(a.ID())
			if len(conns) == 0 || !strings.Contains(conns[0].RemoteMultiaddr().String(), proto) {
				t.Fatalf("connection %v is not over %s", conns, proto)
			}
		})
	}
}

func TestNewHostRefusesBadConfig(t *testing.T) {
	key, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	for name, cfg := range map[string]HostConfig{
		"no identity":       {Listen: []string{"/ip4/127.0.0.1/tcp/0"}},
		"low above high":    {Identity: key, ConnLow: 10, ConnHigh: 5},
		"bad announce":      {Identity: key, Announce: []string{"nonsense"}},
		"unusable listener": {Identity: key, Listen: []string{"/ip4/127.0.0.1/udp/0/webrtc-direct"}},
	} {
		t.Run(name, func(t *testing.T) {
			h, err := NewHost(cfg)
			if err == nil {
				h.Close()
				t.Fatal("accepted")
			}
		})
	}
}

func TestAnnounceReplacesAddrs(t *testing.T) {
	key, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	h, err := NewHost(HostConfig{Identity: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, Announce: []string{"/dns4/cairn.example/tcp/4501"}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if got := h.Addrs(); len(got) != 1 || got[0].String() != "/dns4/cairn.example/tcp/4501" {
		t.Fatalf("addrs %v", got)
	}
}

func TestPrivateDHTAndParseAddrInfos(t *testing.T) {
	a := newTestHost(t, "/ip4/127.0.0.1/tcp/0")
	b := newTestHost(t, "/ip4/127.0.0.1/tcp/0")
	boot := a.Addrs()[0].String() + "/p2p/" + a.ID().String()
	ctx := context.Background()
	da, err := NewDHT(ctx, a, DHTConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer da.Close()
	db, err := NewDHT(ctx, b, DHTConfig{Bootstrap: []string{boot}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(10 * time.Second)
	for db.RoutingTable().Size() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("b never added its bootstrap peer to its routing table")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, p := range b.Mux().Protocols() {
		if strings.HasPrefix(string(p), "/ipfs/kad") {
			t.Fatalf("a private node speaks the public DHT protocol %s", p)
		}
	}

	infos, err := ParseAddrInfos([]string{boot, a.Addrs()[0].String() + "/p2p/" + a.ID().String()})
	if err != nil || len(infos) != 1 || len(infos[0].Addrs) != 2 {
		t.Fatalf("ParseAddrInfos merged %v, %v", infos, err)
	}
	if _, err := ParseAddrInfos([]string{"/ip4/127.0.0.1/tcp/1"}); err == nil {
		t.Fatal("an address without /p2p/ was accepted")
	}
}

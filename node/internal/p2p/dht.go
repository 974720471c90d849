package p2p

import (
	"context"
	"fmt"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// PrivateDHTPrefix is the protocol prefix of the Cairn network's DHT
// (/cairn/kad/1.0.0), kept apart from the public IPFS DHT (/ipfs/kad/1.0.0).
const PrivateDHTPrefix = "/cairn"

// DHTConfig configures NewDHT.
type DHTConfig struct {
	// Public joins the public IPFS DHT (and, when Bootstrap is empty, uses
	// its well-known bootstrap peers); otherwise the node is in a private
	// Cairn network whose DHT answers only to PrivateDHTPrefix.
	Public bool
	// Bootstrap peers, as multiaddrs with /p2p/ID.
	Bootstrap []string
}

// NewDHT starts a Kademlia DHT on h. In a private network every node is a
// server (networks are small and often on one LAN or one machine, where
// auto mode would stay a client); on the public network the mode is automatic.
// It connects to the bootstrap peers in the background.
func NewDHT(ctx context.Context, h host.Host, cfg DHTConfig) (*dht.IpfsDHT, error) {
	boot, err := ParseAddrInfos(cfg.Bootstrap)
	if err != nil {
		return nil, err
	}
	opts := []dht.Option{}
	if cfg.Public {
		opts = append(opts, dht.Mode(dht.ModeAuto))
		if len(boot) == 0 {
			boot = dht.GetDefaultBootstrapPeerAddrInfos()
		}
	} else {
		opts = append(opts, dht.Mode(dht.ModeServer), dht.ProtocolPrefix(PrivateDHTPrefix))
	}
	opts = append(opts, dht.BootstrapPeers(boot...))
	d, err := dht.New(h, opts...)
	if err != nil {
		return nil, fmt.Errorf("p2p: start dht: %w", err)
	}
	if err := d.Bootstrap(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("p2p: bootstrap dht: %w", err)
	}
	return d, nil
}

// ParseAddrInfos parses multiaddrs that end in /p2p/ID, merging addresses of
// the same peer.
func ParseAddrInfos(addrs []string) ([]peer.AddrInfo, error) {
	byPeer := map[peer.ID]*peer.AddrInfo{}
	var order []peer.ID
	for _, s := range addrs {
		ai, err := peer.AddrInfoFromString(s)
		if err != nil {
			return nil, fmt.Errorf("p2p: %q: expected a multiaddr ending in /p2p/PEER_ID: %w", s, err)
		}
		if prev, ok := byPeer[ai.ID]; ok {
			prev.Addrs = append(prev.Addrs, ai.Addrs...)
			continue
		}
		byPeer[ai.ID] = ai
		order = append(order, ai.ID)
	}
	out := make([]peer.AddrInfo, 0, len(order))
	for _, id := range order {
		out = append(out, *byPeer[id])
	}
	return out, nil
}

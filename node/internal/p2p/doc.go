// Package p2p builds the node's libp2p side: the host (TCP and QUIC, TLS
// and Noise, yamux, with a resource manager and a connection manager whose
// limits are documented in docs/network.md) and the Kademlia DHT used to find
// and announce providers.
//
//	h, err := p2p.NewHost(p2p.HostConfig{Identity: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
//	d, err := p2p.NewDHT(ctx, h, p2p.DHTConfig{Private: true})
//
// It knows nothing of packages: node wires it to the store and bitswap.
package p2p

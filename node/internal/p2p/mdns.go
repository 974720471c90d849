package p2p

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
)

// MDNSServiceName is the mDNS service Cairn nodes announce, so they find each
// other on a LAN and not every libp2p node there.
const MDNSServiceName = "_cairn._udp"

// MDNS is a running mDNS discovery; Close stops it.
type MDNS struct{ svc io.Closer }

// StartMDNS announces h on the local network and connects to the Cairn nodes
// it finds there, until ctx ends or Close.
func StartMDNS(ctx context.Context, h host.Host, log *slog.Logger) (*MDNS, error) {
	svc := mdns.NewMdnsService(h, MDNSServiceName, notifee{ctx: ctx, h: h, log: log})
	if err := svc.Start(); err != nil {
		return nil, err
	}
	return &MDNS{svc: svc}, nil
}

// Close stops announcing and listening.
func (m *MDNS) Close() error { return m.svc.Close() }

type notifee struct {
	ctx context.Context
	h   host.Host
	log *slog.Logger
}

func (n notifee) HandlePeerFound(ai peer.AddrInfo) {
	if ai.ID == n.h.ID() {
		return
	}
	ctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
	defer cancel()
	if err := n.h.Connect(ctx, ai); err != nil {
		n.log.Debug("mdns: connect failed", "peer", ai.ID, "err", err)
		return
	}
	n.log.Info("mdns: connected", "peer", ai.ID)
}

package gossip

import (
	"slices"
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"google.golang.org/protobuf/proto"
)

// meshTracer follows the router's mesh for Topic (the neighbours that
// forward every message to us, and we to them, rather than only gossiping
// message IDs), counts the messages the router drops before they reach
// the validator, and the bytes of the RPCs sent and received.
type meshTracer struct {
	stats *counters

	mu    sync.Mutex
	peers map[peer.ID]struct{}
}

var _ pubsub.RawTracer = (*meshTracer)(nil)

func newMeshTracer(stats *counters) *meshTracer {
	return &meshTracer{stats: stats, peers: map[peer.ID]struct{}{}}
}

// list returns the mesh peers, sorted.
func (m *meshTracer) list() []peer.ID {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]peer.ID, 0, len(m.peers))
	for p := range m.peers {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func (m *meshTracer) Graft(p peer.ID, topic string) {
	if topic != Topic {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.peers[p] = struct{}{}
}

func (m *meshTracer) Prune(p peer.ID, topic string) {
	if topic == Topic {
		m.drop(p)
	}
}

func (m *meshTracer) OnClosedOutboundStream(p peer.ID) { m.drop(p) }

func (m *meshTracer) Leave(topic string) {
	if topic != Topic {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.peers)
}

func (m *meshTracer) drop(p peer.ID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.peers, p)
}

func (m *meshTracer) RejectMessage(msg *pubsub.Message, reason string) {
	if msg.GetTopic() != Topic {
		return
	}
	switch reason {
	case pubsub.RejectValidationQueueFull, pubsub.RejectValidationThrottled:
		m.stats.throttled.Add(1)
	}
}

func (m *meshTracer) RecvRPC(rpc *pubsub.RPC) {
	m.stats.bytesReceived.Add(uint64(proto.Size(&rpc.RPC)))
}

func (m *meshTracer) SendRPC(rpc *pubsub.RPC, _ peer.ID) {
	m.stats.bytesSent.Add(uint64(proto.Size(&rpc.RPC)))
}

// The rest of RawTracer is of no interest.

func (*meshTracer) OnNewOutboundStream(peer.ID, protocol.ID)             {}
func (*meshTracer) Join(string)                                          {}
func (*meshTracer) ValidateMessage(*pubsub.Message)                      {}
func (*meshTracer) DeliverMessage(*pubsub.Message)                       {}
func (*meshTracer) DuplicateMessage(*pubsub.Message)                     {}
func (*meshTracer) ThrottlePeer(peer.ID)                                 {}
func (*meshTracer) SendRPCCompleted(*pubsub.RPC, peer.ID, time.Duration) {}
func (*meshTracer) DropRPC(*pubsub.RPC, peer.ID)                         {}
func (*meshTracer) UndeliverableMessage(*pubsub.Message)                 {}

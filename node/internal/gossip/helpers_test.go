package gossip

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/internal/waittest"
	"github.com/cairnpkg/cairn/node/internal/p2p/p2ptest"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
)

// waitTimeout bounds every wait for the network in these tests.
const waitTimeout = 10 * time.Second

// waitFor polls cond until it holds or waitTimeout passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waittest.Until(t, waitTimeout, what, cond)
}

func newHost(t *testing.T) host.Host { return p2ptest.Host(t) }

func connect(t *testing.T, a, b host.Host) { p2ptest.Connect(t, a, b) }

// recorder collects what a node delivers.
type recorder struct {
	mu   sync.Mutex
	got  []*dag.Announcement
	from []peer.ID
}

func (r *recorder) deliver(a *dag.Announcement, from peer.ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, a)
	r.from = append(r.from, from)
}

// count returns how many deliveries match signer and seq (seq 0: any).
func (r *recorder) count(signer string, seq uint64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, a := range r.got {
		if a.Signer == signer && (seq == 0 || a.Seq == seq) {
			n++
		}
	}
	return n
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// node is a Gossip on its own host with a recorder behind Deliver.
type node struct {
	host.Host
	*Gossip
	rec *recorder
}

func newNode(t *testing.T, cfg Config) *node {
	t.Helper()
	h := newHost(t)
	rec := &recorder{}
	cfg.Deliver = rec.deliver
	g, err := New(context.Background(), h, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return &node{Host: h, Gossip: g, rec: rec}
}

// hasPeer reports whether ps lists p among Topic's subscribers.
func hasPeer(ps []peer.ID, p peer.ID) bool { return slices.Contains(ps, p) }

// rogue is a peer with a plain pubsub router and no validator: it puts any
// bytes on Topic.
type rogue struct {
	host.Host
	topic *pubsub.Topic
}

func newRogue(t *testing.T) *rogue {
	t.Helper()
	h := newHost(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ps, err := pubsub.NewGossipSub(ctx, h, append(routerOptions(), pubsub.WithPeerOutboundQueueSize(4096))...)
	if err != nil {
		t.Fatal(err)
	}
	topic, err := ps.Join(Topic)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { topic.Close() })
	return &rogue{Host: h, topic: topic}
}

// publish puts data on Topic.
func (r *rogue) publish(t *testing.T, data []byte) {
	t.Helper()
	if err := r.topic.Publish(context.Background(), data); err != nil {
		t.Fatalf("rogue publish: %v", err)
	}
}

// link connects r to n and waits until r knows n is subscribed.
func (r *rogue) link(t *testing.T, n *node) {
	t.Helper()
	connect(t, r.Host, n.Host)
	waitFor(t, "rogue to see the receiver subscribed", func() bool { return hasPeer(r.topic.ListPeers(), n.ID()) })
}

// link connects two nodes and waits until each has the other in its mesh,
// so that what one receives it forwards to the other at once.
func link(t *testing.T, a, b *node) {
	t.Helper()
	connect(t, a.Host, b.Host)
	waitFor(t, fmt.Sprintf("%s and %s to mesh", a.ID(), b.ID()), func() bool {
		return hasPeer(a.Mesh(), b.ID()) && hasPeer(b.Mesh(), a.ID())
	})
}

// announcement returns an announcement of seq signed by test key k, made
// now and expiring in a day.
func announcement(t testing.TB, k byte, seq uint64) *dag.Announcement {
	t.Helper()
	now := time.Now()
	return announcementAt(t, k, seq, now, now.Add(24*time.Hour))
}

// announcementAt returns an announcement of seq signed by test key k, made
// at created and expiring at expires.
func announcementAt(t testing.TB, k byte, seq uint64, created, expires time.Time) *dag.Announcement {
	t.Helper()
	a := &dag.Announcement{
		Seq:     seq,
		Head:    dagtest.NodeCID(t, fmt.Sprintf("head %d/%d", k, seq)),
		Addrs:   []string{"/ip4/192.0.2.1/tcp/4501/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"},
		Created: created,
		Expires: expires,
	}
	if err := sign.SignAnnouncement(signtest.Key(t, k), a); err != nil {
		t.Fatal(err)
	}
	return a
}

// encode returns a's bytes.
func encode(t testing.TB, a *dag.Announcement) []byte {
	t.Helper()
	b, err := a.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// did returns the did:key of test key k.
func did(t testing.TB, k byte) string { return signtest.Key(t, k).DID() }

// signedRevocation returns the bytes and CID of a revocation of test key k, from
// seq since on, made at created.
func signedRevocation(t testing.TB, k byte, since uint64, created time.Time) ([]byte, cid.Cid) {
	t.Helper()
	r := &dag.Revocation{Since: since, Reason: "key compromised", Created: created}
	if err := sign.SignRevocation(signtest.Key(t, k), r); err != nil {
		t.Fatal(err)
	}
	data, c, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return data, c
}

// Command rogue is a test helper for e2e: a peer that joins a daemon's
// announce topic with a router that validates nothing and publishes what an
// attacker would (docs/gossip.md §3–§5).
//
//	rogue --connect /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW... --mode flood
//
// It prints one line, "rogue PEER_ID MODE: published N, sent S", once the
// messages have been written to the connection and a ping has come back over
// it, and exits 0. Setup errors exit 1.
//
// With --mode referrers it is instead a peer that offers metadata sets
// nobody trusted signed (referrers.go): it serves them until SIGTERM.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
	"github.com/libp2p/go-libp2p"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
)

// topic is gossip.Topic (node/internal/gossip cannot be imported from here).
const topic = "/cairn/announce/2.0.0"

// setupTimeout bounds connecting, seeing the daemon on the topic, and the
// final flush of what was published.
const setupTimeout = 10 * time.Second

func main() {
	connect := flag.String("connect", "", "full /p2p/ multiaddr of the daemon to attack")
	mode := flag.String("mode", "", "malformed, badsig, flood, fresh-keys or referrers")
	as := flag.String("as", "", "badsig: name this did:key as signer (default: a fresh key)")
	pkg := flag.String("package", "", "referrers: the package CID the metadata sets name")
	count := flag.Int("count", 0, "referrers: how many metadata sets to offer")
	flag.Parse()
	var err error
	if *mode == "referrers" {
		err = runReferrers(*connect, *pkg, *count)
	} else {
		err = run(*connect, *mode, *as)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rogue:", err)
		os.Exit(1)
	}
}

// sentCounter counts the topic's messages written to, or dropped before, the
// connection, from the router's trace events.
type sentCounter struct{ sent, dropped atomic.Int64 }

func (c *sentCounter) Trace(evt *pb.TraceEvent) {
	switch {
	case evt.SendRPCCompleted != nil:
		c.sent.Add(int64(len(evt.SendRPCCompleted.GetMeta().GetMessages())))
	case evt.DropRPC != nil:
		c.dropped.Add(int64(len(evt.DropRPC.GetMeta().GetMessages())))
	}
}

func run(connect, mode, as string) error {
	msgs, err := messages(mode, as)
	if err != nil {
		return err
	}
	target, err := peer.AddrInfoFromString(connect)
	if err != nil {
		return fmt.Errorf("--connect %q: %w", connect, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h, err := libp2p.New(libp2p.NoTransports, libp2p.Transport(tcp.NewTCPTransport),
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		return err
	}
	defer h.Close()
	var count sentCounter
	ps, err := pubsub.NewGossipSub(ctx, h,
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		pubsub.WithNoAuthor(),
		pubsub.WithMessageIdFn(func(m *pb.Message) string { s := sha256.Sum256(m.GetData()); return string(s[:]) }),
		pubsub.WithMaxMessageSize(64<<10),
		pubsub.WithFloodPublish(true),
		pubsub.WithPeerOutboundQueueSize(2*len(msgs)), // the flood leaves here whole
		pubsub.WithEventTracer(&count))
	if err != nil {
		return err
	}
	t, err := ps.Join(topic) // no validator: everything goes out
	if err != nil {
		return err
	}
	cctx, ccancel := context.WithTimeout(ctx, setupTimeout)
	defer ccancel()
	if err := h.Connect(cctx, *target); err != nil {
		return fmt.Errorf("connect %s: %w", connect, err)
	}
	if err := waitFor(cctx, func() bool { return slices.Contains(t.ListPeers(), target.ID) }); err != nil {
		return fmt.Errorf("%s not seen on %s: %w", target.ID, topic, err)
	}
	for i, m := range msgs {
		if err := t.Publish(ctx, m); err != nil {
			return fmt.Errorf("publish message %d: %w", i, err)
		}
	}
	// Everything out of the router, then a round trip on the same connection,
	// so closing the host does not cut off what is still on its way.
	if err := waitFor(cctx, func() bool { return count.sent.Load()+count.dropped.Load() >= int64(len(msgs)) }); err != nil {
		return fmt.Errorf("%d of %d messages written (%d dropped): %w", count.sent.Load(), len(msgs), count.dropped.Load(), err)
	}
	if res := <-ping.Ping(cctx, h, target.ID); res.Error != nil {
		fmt.Fprintln(os.Stderr, "rogue: ping after publishing:", res.Error)
	}
	fmt.Printf("rogue %s %s: published %d, sent %d\n", h.ID(), mode, len(msgs), count.sent.Load())
	return nil
}

// messages returns the data to publish in mode.
func messages(mode, as string) ([][]byte, error) {
	var out [][]byte
	k, err := sign.GenerateKey()
	if err != nil {
		return nil, err
	}
	var n int
	switch mode {
	case "malformed":
		for range 20 {
			out = append(out, random(64))
		}
		return append(out, random(dag.MaxAnnouncementSize+1)), nil
	case "badsig":
		n = 20
	case "flood":
		n = 1000
	case "fresh-keys":
		n = 300
	default:
		return nil, fmt.Errorf("--mode %q: expected malformed, badsig, flood or fresh-keys", mode)
	}
	for i := range n {
		seq := uint64(i + 1)
		switch mode {
		case "badsig":
			seq += 1000 // above any head the daemon holds, so it reaches the signature check
		case "fresh-keys":
			if k, err = sign.GenerateKey(); err != nil {
				return nil, err
			}
			seq = 1
		}
		a := &dag.Announcement{Seq: seq, Created: time.Now(), Expires: time.Now().Add(time.Hour)}
		if a.Head, err = dag.Prefix.Sum(random(32)); err != nil {
			return nil, err
		}
		if err := sign.SignAnnouncement(k, a); err != nil {
			return nil, err
		}
		if mode == "badsig" {
			a.Sig[0] ^= 0xff
			if as != "" {
				a.Signer = as
			}
		}
		data, err := a.Encode() // Encode does not check the signature
		if err != nil {
			return nil, err
		}
		out = append(out, data)
	}
	return out, nil
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, cond func() bool) error {
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

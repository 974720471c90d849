package gossip

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"

	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"go.uber.org/goleak"

	"github.com/cairnpkg/cairn/dag"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// pubsub leaks its address book's sweeper when building a router
		// fails, as TestScoreParamsValidate's controls make it do. A router
		// that did start closes it with its context, and its other
		// goroutines would still be caught.
		goleak.IgnoreTopFunction("github.com/libp2p/go-libp2p/p2p/host/peerstore/pstoremem.(*memoryAddrBook).background"),
	)
}

// TestAnnouncementCrossesLine: A–B–C, A's announcement reaches C through B,
// and B delivers the same bytes once.
func TestAnnouncementCrossesLine(t *testing.T) {
	a, b, c := newNode(t, Config{}), newNode(t, Config{}), newNode(t, Config{})
	link(t, a, b)
	link(t, b, c)
	ctx := context.Background()

	x := announcement(t, 1, 1)
	if err := a.Publish(ctx, x); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "C to get seq 1", func() bool { return c.rec.count(x.Signer, 1) > 0 })
	c.rec.mu.Lock()
	if c.rec.from[0] != b.ID() {
		t.Errorf("C got it from %s, want B %s", c.rec.from[0], b.ID())
	}
	if got := c.rec.got[0]; got.Head != x.Head || got.Seq != x.Seq {
		t.Errorf("C got %+v, want %+v", got, x)
	}
	c.rec.mu.Unlock()

	// The same bytes again, then something new behind them on the same
	// streams: once the new one is in, a duplicate would be too.
	if err := a.Publish(ctx, x); err != nil {
		t.Fatal(err)
	}
	y := announcement(t, 1, 2)
	if err := a.Publish(ctx, y); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B and C to get seq 2", func() bool { return b.rec.count(y.Signer, 2) > 0 && c.rec.count(y.Signer, 2) > 0 })
	for name, n := range map[string]*node{"B": b, "C": c} {
		if got := n.rec.count(x.Signer, 1); got != 1 {
			t.Errorf("%s delivered seq 1 %d times", name, got)
		}
	}
	if a.rec.len() != 0 {
		t.Errorf("A delivered %d of its own announcements", a.rec.len())
	}
	if s := b.Stats(); s.Accepted != 2 || s.Rejected() != 0 || s.Ignored() != 0 {
		t.Errorf("B stats %+v, want 2 accepted", s)
	}
}

// TestDuplicateFromAnotherPeerIsDropped: bytes B accepted once are not
// delivered again when a second peer sends them (content message IDs).
func TestDuplicateFromAnotherPeerIsDropped(t *testing.T) {
	a, b := newNode(t, Config{}), newNode(t, Config{})
	link(t, a, b)
	r := newRogue(t)
	r.link(t, b)

	x := announcement(t, 1, 1)
	if err := a.Publish(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B to get seq 1", func() bool { return b.rec.count(x.Signer, 1) > 0 })
	r.publish(t, encode(t, x))
	y := announcement(t, 2, 1)
	r.publish(t, encode(t, y))
	waitFor(t, "B to get the rogue's fresh one", func() bool { return b.rec.count(y.Signer, 1) > 0 })
	if got := b.rec.count(x.Signer, 1); got != 1 {
		t.Errorf("B delivered seq 1 %d times", got)
	}
}

// TestStaleIgnored: B knows seq 5 of key 1, and a statement of it newer
// than any A sends; A knows more and still publishes older heads, as its own
// are exempt from the stale check.
func TestStaleIgnored(t *testing.T) {
	heard := time.Now().Add(time.Hour) // no statement of seq 5 is newer
	known := func(string) (uint64, time.Time) { return 5, heard }
	a := newNode(t, Config{Known: func(string) (uint64, time.Time) { return 100, time.Time{} }})
	b := newNode(t, Config{Known: known})
	link(t, a, b)
	for i, tc := range []struct {
		seq     uint64
		deliver bool
	}{{3, false}, {5, false}, {6, true}, {4, false}, {7, true}} {
		before := b.Stats()
		if err := a.Publish(context.Background(), announcement(t, 1, tc.seq)); err != nil {
			t.Fatalf("publish seq %d: %v", tc.seq, err)
		}
		waitFor(t, "B to judge it", func() bool { return judged(b.Stats()) != judged(before) })
		after := b.Stats()
		wantAccepted, wantStale := before.Accepted, before.Stale+1
		if tc.deliver {
			wantAccepted, wantStale = before.Accepted+1, before.Stale
		}
		if after.Accepted != wantAccepted || after.Stale != wantStale {
			t.Fatalf("case %d (seq %d): stats %+v, want accepted %d stale %d", i, tc.seq, after, wantAccepted, wantStale)
		}
	}
	waitFor(t, "B to deliver seq 7", func() bool { return b.rec.count(did(t, 1), 7) == 1 })
	if n, six := b.rec.len(), b.rec.count(did(t, 1), 6); n != 2 || six != 1 {
		t.Errorf("B delivered %d (seq 6: %d), want seq 6 and 7 only", n, six)
	}
}

// TestRogueRejectedAndGraylisted: malformed and badly signed messages are
// not delivered, are counted, cost the rogue score and, past the graylist
// threshold, get everything it sends dropped unread.
func TestRogueRejectedAndGraylisted(t *testing.T) {
	b, h := newNode(t, Config{}), newNode(t, Config{})
	link(t, b, h)
	r := newRogue(t)
	r.link(t, b)

	badSig := announcement(t, 1, 1)
	badSig.Sig = append([]byte(nil), badSig.Sig...)
	badSig.Sig[10] ^= 0xff
	for i, tc := range []struct {
		name string
		data []byte
		want func(Stats) uint64
	}{
		{"garbage", []byte("garbage"), func(s Stats) uint64 { return s.Malformed }},
		{"oversized", make([]byte, 5<<10), func(s Stats) uint64 { return s.Malformed }},
		{"bad signature", encode(t, badSig), func(s Stats) uint64 { return s.BadSignature }},
	} {
		before := b.Stats()
		r.publish(t, tc.data)
		waitFor(t, tc.name+" to be judged", func() bool { return judged(b.Stats()) != judged(before) })
		if got := tc.want(b.Stats()); got != tc.want(before)+1 {
			t.Fatalf("case %d %s: stats %+v after %+v", i, tc.name, b.Stats(), before)
		}
	}
	waitFor(t, "the rogue's score to fall below zero", func() bool { return b.Score(r.ID()) < 0 })
	if s := b.Stats(); s.Rejected() != 3 || s.Accepted != 0 || b.rec.len() != 0 {
		t.Fatalf("stats %+v, %d delivered", s, b.rec.len())
	}

	// Three more rejections: 6² × 100 is past the graylist threshold.
	for i := range 3 {
		r.publish(t, []byte{'x', byte(i)})
	}
	waitFor(t, "the rogue to be graylisted", func() bool { return b.Score(r.ID()) < graylistThreshold })
	r.publish(t, encode(t, announcement(t, 2, 1)))
	honest := announcement(t, 3, 1)
	if err := h.Publish(context.Background(), honest); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the honest announcement", func() bool { return b.rec.count(honest.Signer, 1) == 1 })
	if got := b.rec.count(did(t, 2), 0); got != 0 {
		t.Errorf("a graylisted peer's announcement was delivered")
	}
}

// TestFloodIsRateLimited: 1,000 well-signed announcements of one key get
// through at the key's rate, and another key's announcement still arrives.
func TestFloodIsRateLimited(t *testing.T) {
	b, h := newNode(t, Config{}), newNode(t, Config{})
	link(t, b, h)
	r := newRogue(t)
	r.link(t, b)

	const n = 1000
	msgs := make([][]byte, n)
	for i := range msgs {
		msgs[i] = encode(t, announcement(t, 1, uint64(i+1)))
	}
	start := time.Now()
	for _, m := range msgs {
		r.publish(t, m)
	}
	// Every message of the flood is accounted for: accepted, ignored by the
	// validator, or dropped by the router before it.
	waitFor(t, "B to get through the flood", func() bool {
		s := b.Stats()
		return s.Accepted+s.RateLimited+s.Throttled == n
	})
	if s := b.Stats(); s.RateLimited == 0 {
		t.Fatalf("nothing rate limited: %+v", s)
	}

	honest := announcement(t, 2, 1)
	if err := h.Publish(context.Background(), honest); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the honest announcement", func() bool { return b.rec.count(honest.Signer, 1) == 1 })

	flooded := b.rec.count(did(t, 1), 0)
	limit := DefaultKeyBurst + int(time.Since(start).Seconds()*float64(DefaultKeyRate)) + 1
	if flooded == 0 || flooded > limit {
		t.Errorf("delivered %d of the flood, want 1 to %d", flooded, limit)
	}
	t.Logf("flood: %d delivered, stats %+v, in %v", flooded, b.Stats(), time.Since(start))
}

func TestCloseIsIdempotent(t *testing.T) {
	h := newHost(t)
	for round := range 2 { // a second Gossip on the same host after Close
		g, err := New(context.Background(), h, Config{})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for range 3 {
			if err := g.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if err := g.Publish(context.Background(), announcement(t, 1, 1)); !errors.Is(err, ErrClosed) {
			t.Errorf("publish after close: %v", err)
		}
	}
}

func TestPublishRefusesWhatPeersWouldReject(t *testing.T) {
	g := newNode(t, Config{KeyBurst: 1, KeyRate: 1e-9})
	bad := announcement(t, 1, 1)
	bad.Sig = append([]byte(nil), bad.Sig...)
	bad.Sig[0] ^= 1
	unsigned := announcement(t, 1, 1)
	unsigned.Sig = nil
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		a    *dag.Announcement
		want error
	}{
		{"unsigned", unsigned, ErrMalformed},
		{"bad signature", bad, ErrBadSignature},
		{"first", announcement(t, 1, 1), nil},
		{"over the key's burst", announcement(t, 1, 2), ErrRateLimited},
	} {
		if err := g.Publish(ctx, tc.a); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestMessageIDIsContent(t *testing.T) {
	from, seq := []byte("peer"), []byte{1}
	for _, tc := range []struct {
		name string
		a, b *pb.Message
		same bool
	}{
		{"same data", &pb.Message{Data: []byte("x")}, &pb.Message{Data: []byte("x"), From: from, Seqno: seq}, true},
		{"other data", &pb.Message{Data: []byte("x")}, &pb.Message{Data: []byte("y")}, false},
	} {
		if got := messageID(tc.a) == messageID(tc.b); got != tc.same {
			t.Errorf("%s: equal IDs %v, want %v", tc.name, got, tc.same)
		}
	}
}

// TestRevocationRelayed: a revocation published on A reaches B through H,
// delivered with its bytes and CID, and so does another of the same key.
func TestRevocationRelayed(t *testing.T) {
	var mu sync.Mutex
	var got []cid.Cid
	held := func(_ string, c cid.Cid) bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(got, c)
	}
	a, h := newNode(t, Config{}), newNode(t, Config{})
	b := newNode(t, Config{
		KnownRevocation: held,
		DeliverRevocation: func(r *dag.Revocation, data []byte, c cid.Cid, from peer.ID) {
			if sum, err := dag.Prefix.Sum(data); err != nil || !sum.Equals(c) || r.Signer != did(t, 1) || from != h.ID() {
				t.Errorf("delivered %s of %s from %s: bytes hash to %s (%v)", c, r.Signer, from, sum, err)
			}
			mu.Lock()
			defer mu.Unlock()
			got = append(got, c)
		},
	})
	link(t, a, h)
	link(t, h, b)
	for i, created := range []time.Time{time.Now(), time.Now().Add(-time.Minute)} {
		data, c := signedRevocation(t, 1, 2, created)
		if err := a.PublishRevocation(context.Background(), data); err != nil {
			t.Fatal(err)
		}
		waitFor(t, fmt.Sprintf("B to get revocation %d", i), func() bool { return held("", c) })
	}
	if b.rec.len() != 0 {
		t.Errorf("B delivered %d announcements, want none", b.rec.len())
	}
}

// TestRevocationHeldIgnored: a revocation the node holds is ignored (not
// relayed again); its own publishes of it pass, to gossip it again.
func TestRevocationHeldIgnored(t *testing.T) {
	data, c := signedRevocation(t, 1, 2, time.Now())
	g := newValidator(Config{KnownRevocation: func(signer string, x cid.Cid) bool { return signer == did(t, 1) && x.Equals(c) }})
	if got := g.validate(context.Background(), remote, message(data)); got != pubsub.ValidationIgnore {
		t.Errorf("held, from a peer: %v, want ignore", got)
	}
	if s := g.Stats(); s.Stale != 1 {
		t.Errorf("stats %+v, want one stale", s)
	}
	if got := g.validate(context.Background(), self, message(data)); got != pubsub.ValidationAccept {
		t.Errorf("held, own: %v, want accept", got)
	}
}

// judged is s without its byte counters, which move with every RPC
// (heartbeats included): only the validator's verdicts.
func judged(s Stats) Stats {
	s.BytesSent, s.BytesReceived = 0, 0
	return s
}

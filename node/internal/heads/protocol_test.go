package heads

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/cairnpkg/cairn/node/internal/frame"
)

func TestExchangeBothWays(t *testing.T) {
	a, b := newHost(t), newHost(t)
	connect(t, a, b)
	srcA, srcB := &source{}, &source{}
	srcA.set(testHead(t, 1, 5), testHead(t, 2, 1))
	srcB.set(testHead(t, 2, 3), testHead(t, 3, 9))
	sinkB := newSink()
	var ta, tb Traffic
	Serve(context.Background(), b, srcB.get, sinkB.put, &tb)

	got, err := Exchange(context.Background(), a, b.ID(), srcA.get, &ta)
	if err != nil {
		t.Fatal(err)
	}
	// Each side counts the frames both ways: what one sent, the other got.
	msgA, _ := ourHeads(context.Background(), srcA.get)
	msgB, _ := ourHeads(context.Background(), srcB.get)
	framed := func(msg []byte) uint64 { return uint64(len(binary.AppendUvarint(nil, uint64(len(msg)))) + len(msg)) }
	if ta.Sent() != framed(msgA) || ta.Received() != framed(msgB) {
		t.Errorf("A counted %d sent, %d received; want %d, %d (frames with their lengths)", ta.Sent(), ta.Received(), framed(msgA), framed(msgB))
	}
	if want, _ := srcB.get(context.Background()); !equalHeads(got, want) {
		t.Fatalf("A got %v, B holds %v", got, want)
	}
	want, _ := srcA.get(context.Background())
	sinkB.waitFor(t, a.ID(), "B's sink has A's heads", func(hs []Head) bool { return equalHeads(hs, want) })
	if tb.Sent() != ta.Received() || tb.Received() != ta.Sent() {
		t.Errorf("B counted %d sent, %d received; A %d, %d", tb.Sent(), tb.Received(), ta.Sent(), ta.Received())
	}

	// A node with no heads (nil source) sends and receives an empty list.
	got, err = Exchange(context.Background(), a, b.ID(), nil, nil)
	if err != nil || len(got) != 2 {
		t.Fatalf("with no heads: %v, %v", got, err)
	}
	sinkB.waitFor(t, a.ID(), "B's sink has A's empty heads", func(hs []Head) bool { return len(hs) == 0 })
}

func TestExchangeRefusesABadSource(t *testing.T) {
	a, b := newHost(t), newHost(t)
	connect(t, a, b)
	Serve(context.Background(), b, nil, nil, nil)
	bad := func(context.Context) ([]Head, error) { return []Head{{Signer: signerEd, Seq: 0}}, nil }
	if _, err := Exchange(context.Background(), a, b.ID(), bad, nil); !errors.Is(err, ErrInvalidHead) {
		t.Fatalf("err = %v, want ErrInvalidHead", err)
	}
}

// TestServerResetsOnGarbage: a request that breaks the rules gets a reset,
// not an answer, and never reaches the sink.
func TestServerResetsOnGarbage(t *testing.T) {
	a, b := newHost(t), newHost(t)
	connect(t, a, b)
	sinkB := newSink()
	Serve(context.Background(), b, (&source{}).get, sinkB.put, nil)
	unsorted := encodeRaw(t, []rawHead{goodRaw(t, 2), goodRaw(t, 1)}, true)

	for _, tc := range []struct {
		name string
		send func(s network.Stream) error
	}{
		{"not CBOR", func(s network.Stream) error { return frame.Write(s, []byte{0xff, 0x00}) }},
		{"signers out of order", func(s network.Stream) error { return frame.Write(s, unsorted) }},
		{"frame over the limit", func(s network.Stream) error {
			_, err := s.Write([]byte{0xff, 0xff, 0xff, 0x7f}) // a length of 256 MiB, no payload
			return err
		}},
		{"cut short", func(s network.Stream) error { _, err := s.Write([]byte{0x05, 0x80}); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := a.NewStream(ctx, b.ID(), ID)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Reset()
			s.SetDeadline(time.Now().Add(10 * time.Second))
			if err := tc.send(s); err != nil {
				t.Fatal(err)
			}
			s.CloseWrite()
			resp, err := frame.Read(bufio.NewReader(s), MaxMessageSize)
			if !errors.Is(err, network.ErrReset) {
				t.Fatalf("read %x, %v; want a reset", resp, err)
			}
			// The handler has returned (the reset comes after), so a sink call
			// would have happened already.
			if n := sinkB.count(a.ID()); n != 0 {
				t.Fatalf("sink called %d times", n)
			}
		})
	}
	// The control: a good request after all that reaches the sink.
	if _, err := Exchange(context.Background(), a, b.ID(), nil, nil); err != nil {
		t.Fatal(err)
	}
	sinkB.waitFor(t, a.ID(), "a good request reaches the sink", func([]Head) bool { return true })
}

// TestExchangeRefusesGarbage: an answer that breaks the rules is an error.
func TestExchangeRefusesGarbage(t *testing.T) {
	a, b := newHost(t), newHost(t)
	connect(t, a, b)
	dup := encodeRaw(t, []rawHead{goodRaw(t, 1), goodRaw(t, 1)}, true)
	b.SetStreamHandler(ID, frame.Handler(context.Background(), func(_ context.Context, s network.Stream) error { return frame.Write(s, dup) }))
	if _, err := Exchange(context.Background(), a, b.ID(), nil, nil); !errors.Is(err, ErrDuplicateSigner) {
		t.Fatalf("err = %v, want ErrDuplicateSigner", err)
	}
}

// TestExchangeEndsWithItsContext: a server that never answers does not hold
// the asker beyond its context.
func TestExchangeEndsWithItsContext(t *testing.T) {
	a, b := newHost(t), newHost(t)
	connect(t, a, b)
	release := make(chan struct{})
	defer close(release)
	b.SetStreamHandler(ID, func(s network.Stream) { <-release; s.Reset() })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := Exchange(ctx, a, b.ID(), nil, nil); err == nil {
		t.Fatal("a silent server answered")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Exchange returned after %v", d)
	}
}

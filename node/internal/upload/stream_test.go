package upload_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/cairnpkg/cairn/node/internal/p2p/p2ptest"
	"github.com/cairnpkg/cairn/node/internal/upload"
)

const testProto protocol.ID = "/cairn/test-upload/1.0.0"

// atLeast is the least time n bytes through a full bucket of l can take.
func atLeast(l *upload.Limiter, n int) time.Duration {
	return time.Duration(float64(n-l.Burst()) / float64(l.Rate()) * float64(time.Second))
}

func TestHostLimitsWhatItsHandlersWrite(t *testing.T) {
	l := upload.New(2 << 20)
	server, client := p2ptest.Host(t), p2ptest.Host(t)
	n := upload.MinBurst + 1<<20
	upload.Host(server, l, upload.Stream).SetStreamHandler(testProto, func(s network.Stream) {
		defer s.Close()
		io.Copy(io.Discard, s)
		s.Write(make([]byte, n))
	})
	p2ptest.Connect(t, client, server)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := client.NewStream(ctx, server.ID(), testProto)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s.CloseWrite()
	got, err := io.Copy(io.Discard, s)
	took := time.Since(start)
	if err != nil || got != int64(n) {
		t.Fatalf("read %d, %v; want %d", got, err, n)
	}
	if min := atLeast(l, n); took < min {
		t.Fatalf("%d bytes at %s took %s, expected at least %s", n, l.Rate(), took, min)
	}
	if l.Served(upload.Stream) != uint64(n) {
		t.Fatalf("served %d, want %d", l.Served(upload.Stream), n)
	}
}

func TestHostLimitsStreamsItOpens(t *testing.T) {
	l := upload.New(upload.MinRate)
	sender, receiver := p2ptest.Host(t), p2ptest.Host(t)
	receiver.SetStreamHandler(testProto, func(s network.Stream) { io.Copy(io.Discard, s); s.Close() })
	p2ptest.Connect(t, sender, receiver)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := upload.Host(sender, l, upload.Bitswap).NewStream(ctx, receiver.ID(), testProto)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Reset()
	// At 100 kB/s, 4 MiB past the burst needs 40 s: a write deadline of
	// 100 ms fails the write as the stream's own deadline would, at once.
	s.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	n, err := s.Write(make([]byte, 4<<20))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Write = %d, %v; want os.ErrDeadlineExceeded", n, err)
	}
	if n != upload.MinBurst || l.Served(upload.Bitswap) != uint64(n) {
		t.Fatalf("wrote %d, served %d; want the burst, %d", n, l.Served(upload.Bitswap), upload.MinBurst)
	}
}

func TestHandlerLimitsTheBody(t *testing.T) {
	l := upload.New(2 << 20)
	n := upload.MinBurst + 1<<20
	srv := httptest.NewServer(upload.Handler(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, n))
		w.(http.Flusher).Flush()
	})))
	defer srv.Close()
	start := time.Now()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.Copy(io.Discard, resp.Body)
	took := time.Since(start)
	if err != nil || got != int64(n) {
		t.Fatalf("read %d, %v; want %d", got, err, n)
	}
	if min := atLeast(l, n); took < min {
		t.Fatalf("%d bytes at %s took %s, expected at least %s", n, l.Rate(), took, min)
	}
	if l.Served(upload.Gateway) != uint64(n) {
		t.Fatalf("served %d, want %d", l.Served(upload.Gateway), n)
	}
}

package api_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/node/internal/api"
)

// blockingBackend's Connect signals started, then waits for release or for
// its context, and records that it returned.
type blockingBackend struct {
	fakeBackend
	started  chan struct{}
	release  chan struct{}
	returned atomic.Bool
}

func newBlockingBackend() *blockingBackend {
	b := &blockingBackend{started: make(chan struct{}), release: make(chan struct{})}
	b.connect = func(ctx context.Context, addr string) (api.PeerInfo, error) {
		defer b.returned.Store(true)
		close(b.started)
		select {
		case <-b.release:
			return api.PeerInfo{PeerID: "12D3KooWpeer"}, nil
		case <-ctx.Done():
			return api.PeerInfo{}, ctx.Err()
		}
	}
	return b
}

// serveBlocking serves b and starts a Connect that blocks in b; it returns
// the server, its address and the channel the Connect's error comes on.
func serveBlocking(t *testing.T, b *blockingBackend) (*api.Server, string, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.Serve(ln, newHandler(t, b), nil)
	addr := ln.Addr().String()
	done := make(chan error, 1)
	go func() {
		_, err := api.NewClient(addr, testToken).Connect(context.Background(), "/p2p/12D3KooWpeer")
		done <- err
	}()
	select {
	case <-b.started:
	case err := <-done:
		t.Fatalf("Connect returned before reaching the backend: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Connect did not reach the backend in 10s")
	}
	return srv, addr, done
}

// waitClosed waits, up to 10s, until nothing accepts connections at addr.
func waitClosed(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		conn.Close()
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%s still accepts connections after 10s", addr)
}

func TestServerCloseWaitsForRequests(t *testing.T) {
	b := newBlockingBackend()
	srv, addr, connectErr := serveBlocking(t, b)

	closed := make(chan error, 1)
	go func() { closed <- srv.Close(context.Background()) }()
	waitClosed(t, addr) // Close has begun
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a request was being handled", err)
	default:
	}

	close(b.release)
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !b.returned.Load() {
		t.Error("Close returned before the handler")
	}
	if err := <-connectErr; err != nil {
		t.Errorf("the request in flight failed: %v", err)
	}
}

func TestServerCloseCutsShort(t *testing.T) {
	b := newBlockingBackend()
	srv, _, connectErr := serveBlocking(t, b)

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no time for requests to finish
	if err := srv.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close error %v, want context.Canceled", err)
	}
	if !b.returned.Load() {
		t.Error("Close returned before the handler")
	}
	if err := <-connectErr; err == nil {
		t.Error("the request cut short succeeded")
	}
}

func TestServerCloseIdempotent(t *testing.T) {
	srv, addr := startServer(t, &fakeBackend{}) // its cleanup closes once more
	c := api.NewClient(addr, testToken)
	if _, err := c.ID(t.Context()); err != nil {
		t.Fatalf("ID: %v", err)
	}
	c.CloseIdleConnections()

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := srv.Close(t.Context()); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	wg.Wait()
	if err := srv.Close(t.Context()); err != nil {
		t.Errorf("Close again: %v", err)
	}
	if _, err := c.ID(t.Context()); !errors.Is(err, api.ErrUnavailable) {
		t.Errorf("ID after Close: %v, want ErrUnavailable", err)
	}
}

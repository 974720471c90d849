package api_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/node/internal/api"
)

// startServer serves the API of b on a loopback port chosen by the OS until
// the test ends, and returns the server and its address.
func startServer(t *testing.T, b api.Backend) (*api.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.Serve(ln, newHandler(t, b), nil)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv, srv.Addr().String()
}

func TestClientRoundTrip(t *testing.T) {
	b := &fakeBackend{}
	_, addr := startServer(t, b)
	_, port, _ := net.SplitHostPort(addr)
	ctx := t.Context()

	for _, base := range []string{addr, "localhost:" + port, "http://" + addr, "http://" + addr + "/"} {
		t.Run(base, func(t *testing.T) {
			c := api.NewClient(base, testToken)
			defer c.CloseIdleConnections()

			id, err := c.ID(ctx)
			if err != nil || !reflect.DeepEqual(id, fakeID) {
				t.Errorf("ID = %+v, %v; want %+v", id, err, fakeID)
			}
			peers, err := c.Peers(ctx)
			if err != nil || !slices.Equal(peers, fakePeers) {
				t.Errorf("Peers = %+v, %v; want %+v", peers, err, fakePeers)
			}
			target := "/ip4/192.0.2.9/tcp/4001/p2p/12D3KooW" + port
			peer, err := c.Connect(ctx, target)
			want := api.PeerInfo{PeerID: "12D3KooW" + port, Addr: target}
			if err != nil || peer != want {
				t.Errorf("Connect = %+v, %v; want %+v", peer, err, want)
			}
			if got := b.connected(); len(got) == 0 || got[len(got)-1] != target {
				t.Errorf("backend connected to %q, want %q last", got, target)
			}
		})
	}
}

func TestClientErrors(t *testing.T) {
	tests := []struct {
		name    string
		err     error // the backend's
		status  int
		code    string
		matches error // the sentinel errors.Is must match; nil: none
	}{
		{"bad request", fmt.Errorf("%w: %q has no /p2p/ component", api.ErrBadRequest, "/ip4/1.2.3.4"), 400, "bad-request", api.ErrBadRequest},
		{"not found", fmt.Errorf("%w: no such peer", api.ErrNotFound), 404, "not-found", api.ErrNotFound},
		{"unavailable", fmt.Errorf("%w: the host is not started", api.ErrUnavailable), 503, "unavailable", api.ErrUnavailable},
		{"deadline", fmt.Errorf("dial peer: %w", context.DeadlineExceeded), 504, "timeout", api.ErrTimeout},
		{"generic", errors.New("the datastore is on fire"), 500, "internal", nil},
	}
	sentinels := []error{api.ErrBadRequest, api.ErrUnauthorized, api.ErrForbidden, api.ErrNotFound, api.ErrUnavailable, api.ErrTimeout}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, addr := startServer(t, &fakeBackend{err: tt.err})
			c := api.NewClient(addr, testToken)
			defer c.CloseIdleConnections()

			_, err := c.Connect(t.Context(), "/p2p/12D3KooWpeer")
			apiErr, ok := errors.AsType[*api.Error](err)
			if !ok {
				t.Fatalf("Connect error %v (%T), want an *api.Error", err, err)
			}
			want := &api.Error{Status: tt.status, Code: tt.code, Message: tt.err.Error()}
			if *apiErr != *want {
				t.Errorf("error %+v, want %+v", apiErr, want)
			}
			if err.Error() != tt.err.Error() {
				t.Errorf("message %q, want the backend's %q", err, tt.err)
			}
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tt.matches) {
					t.Errorf("errors.Is(err, %v) = %v", s, got)
				}
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Error("a daemon's 504 matches context.DeadlineExceeded, which is for the client's own deadline")
			}
		})
	}
}

func TestClientToken(t *testing.T) {
	_, addr := startServer(t, &fakeBackend{})
	tests := []struct {
		name       string
		token      string
		readErr    error // of ID
		connectErr error // of Connect
	}{
		{"right token", testToken, nil, nil},
		{"no token", "", nil, api.ErrUnauthorized},
		{"wrong token", strings.Repeat("f", 64), api.ErrUnauthorized, api.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := api.NewClient(addr, tt.token)
			defer c.CloseIdleConnections()
			if _, err := c.ID(t.Context()); !errors.Is(err, tt.readErr) || (err == nil) != (tt.readErr == nil) {
				t.Errorf("ID error %v, want %v", err, tt.readErr)
			}
			if _, err := c.Connect(t.Context(), "/p2p/x"); !errors.Is(err, tt.connectErr) || (err == nil) != (tt.connectErr == nil) {
				t.Errorf("Connect error %v, want %v", err, tt.connectErr)
			}
		})
	}
}

func TestClientUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	c := api.NewClient(addr, testToken)
	_, err = c.ID(t.Context())
	if !errors.Is(err, api.ErrUnavailable) {
		t.Fatalf("ID error %v, want ErrUnavailable", err)
	}
	if _, ok := errors.AsType[*api.Error](err); ok {
		t.Errorf("error %v is an *api.Error, but no daemon answered", err)
	}
	if want := "no daemon answers at " + addr; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

func TestClientCanceled(t *testing.T) {
	_, addr := startServer(t, &fakeBackend{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := api.NewClient(addr, testToken).ID(ctx)
	if !errors.Is(err, context.Canceled) || errors.Is(err, api.ErrUnavailable) {
		t.Fatalf("ID error %v, want context.Canceled and not ErrUnavailable", err)
	}
}

func TestClientNotADaemon(t *testing.T) {
	other := httptest.NewServer(http.NotFoundHandler()) // plain text 404
	defer other.Close()
	_, err := api.NewClient(other.Listener.Addr().String(), testToken).ID(t.Context())
	apiErr, ok := errors.AsType[*api.Error](err)
	if !ok || apiErr.Status != http.StatusNotFound || !strings.Contains(err.Error(), "404") {
		t.Fatalf("ID error %v, want an *api.Error of status 404 that says so", err)
	}
}

func TestClientKeepsTokenHome(t *testing.T) {
	var leaked atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Store(true)
		}
		fmt.Fprint(w, `{"peerID":"elsewhere"}`)
	}))
	defer elsewhere.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()

	id, err := api.NewClient(redirector.Listener.Addr().String(), testToken).ID(t.Context())
	if err == nil || id.PeerID == "elsewhere" {
		t.Errorf("ID = %+v, %v: the client followed a redirect", id, err)
	}
	if leaked.Load() {
		t.Error("the token was sent to the redirect's target")
	}
}

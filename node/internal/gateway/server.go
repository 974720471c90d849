package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Timeouts of the http.Server. There is no WriteTimeout: a CAR of a large
// package takes as long as the client takes to read it; boxo bounds the
// time between writes (DefaultRetrievalTimeout) instead.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// Server serves the gateway's handler on a listener until Close.
type Server struct {
	srv      *http.Server
	addr     net.Addr
	served   chan struct{} // closed when srv.Serve has returned
	serveErr error         // why srv.Serve returned, if not because of Close

	closeOnce sync.Once
	closeErr  error
}

// Serve serves h on ln in a goroutine until Close. log (nil discards)
// receives what the http.Server reports, such as accept errors.
func Serve(ln net.Listener, h http.Handler, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{addr: ln.Addr(), served: make(chan struct{})}
	s.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		defer close(s.served)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("gateway stopped", "addr", s.addr, "err", err)
			s.serveErr = fmt.Errorf("gateway: serve: %w", err)
		}
	}()
	return s
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.addr }

// Close stops listening, lets the requests being answered finish until ctx is
// done, then closes their connections, and returns once the server's
// goroutine has. It is idempotent; later calls return what the first returned.
func (s *Server) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		err := s.srv.Shutdown(ctx)
		if err != nil {
			err = fmt.Errorf("gateway: close: requests cut short: %w", err)
			_ = s.srv.Close()
		}
		<-s.served
		s.closeErr = errors.Join(s.serveErr, err)
	})
	return s.closeErr
}

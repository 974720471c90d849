package api

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

// Timeouts of the http.Server. There is no WriteTimeout: it would cut off the
// answer of a Backend call that is slow on purpose (a Connect waits for a
// peer); the Backend bounds its own work instead.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// Server serves an http.Handler (the one of NewHandler) on a listener until
// Close.
type Server struct {
	srv    *http.Server
	addr   net.Addr
	cancel context.CancelFunc // cancels the context of every request

	served   chan struct{} // closed when srv.Serve has returned
	serveErr error         // why srv.Serve returned, if not because of Close

	mu       sync.Mutex
	closing  bool           // once set, handlers get no new requests
	handlers sync.WaitGroup // requests being handled

	closeOnce sync.Once
	closeErr  error
}

// Serve serves h on ln in a goroutine until Close. ln should listen on a
// loopback address: the API has no transport security. log (nil discards)
// receives what the http.Server reports, such as accept errors.
func Serve(ln net.Listener, h http.Handler, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{addr: ln.Addr(), cancel: cancel, served: make(chan struct{})}
	s.srv = &http.Server{
		Handler:           s.track(h),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go func() {
		defer close(s.served)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("api server stopped", "addr", s.addr, "err", err)
			s.serveErr = fmt.Errorf("api: serve: %w", err)
		}
	}()
	return s
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.addr }

// track counts the requests h is handling, so that Close can wait for them,
// and answers 503 once Close has begun.
func (s *Server) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			writeError(w, fmt.Errorf("%w: the daemon is shutting down", ErrUnavailable))
			return
		}
		s.handlers.Add(1)
		s.mu.Unlock()
		defer s.handlers.Done()
		h.ServeHTTP(w, r)
	})
}

// Close stops the server: it stops listening, lets the requests being handled
// finish until ctx is done, then cancels their contexts and closes their
// connections. It returns once the serve goroutine and every handler have
// returned, so a Backend that ignores its context makes Close wait for it.
// It returns ctx's error if requests had to be cut short, and any error that
// stopped the server before. Close is idempotent; later calls return what the
// first returned.
func (s *Server) Close(ctx context.Context) error {
	s.closeOnce.Do(func() { s.closeErr = s.close(ctx) })
	return s.closeErr
}

func (s *Server) close(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()

	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = fmt.Errorf("api: close: requests cut short: %w", err)
		_ = s.srv.Close() // its error is the listener's, already closed by Shutdown
	}
	s.cancel() // requests cut short, if any, are abandoned
	<-s.served
	s.handlers.Wait()
	return errors.Join(s.serveErr, err)
}

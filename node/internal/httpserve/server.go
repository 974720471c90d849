package httpserve

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

// Server settings. There is no WriteTimeout: it would cut off a slow answer
// (a Connect waiting for a peer, a large CAR); handlers bound their own work.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// Config configures Serve.
type Config struct {
	// Name names the server in its logs and errors ("api", "gateway").
	Name string
	// ReadTimeout bounds reading a whole request, body included; 0 is none.
	ReadTimeout time.Duration
	// Log receives what the http.Server reports; nil discards.
	Log *slog.Logger
	// Unavailable answers requests that arrive once Close has begun; nil is
	// a plain-text 503.
	Unavailable http.Handler
}

// Server serves an http.Handler on a listener until Close.
type Server struct {
	name     string
	srv      *http.Server
	addr     net.Addr
	cancel   context.CancelFunc // cancels the context of every request
	served   chan struct{}      // closed when srv.Serve has returned
	serveErr error              // why srv.Serve returned, if not because of Close

	mu          sync.Mutex
	closing     bool           // once set, handlers get no new requests
	handlers    sync.WaitGroup // requests being handled
	unavailable http.Handler

	closeOnce sync.Once
	closeErr  error
}

// Serve serves h on ln in a goroutine until Close.
func Serve(ln net.Listener, h http.Handler, cfg Config) *Server {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	unavailable := cfg.Unavailable
	if unavailable == nil {
		unavailable = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, cfg.Name+" is shutting down", http.StatusServiceUnavailable)
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{name: cfg.Name, addr: ln.Addr(), cancel: cancel, served: make(chan struct{}), unavailable: unavailable}
	s.srv = &http.Server{
		Handler:           s.track(h),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go func() {
		defer close(s.served)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error(cfg.Name+" server stopped", "addr", s.addr, "err", err)
			s.serveErr = fmt.Errorf("%s: serve: %w", cfg.Name, err)
		}
	}()
	return s
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.addr }

// track counts the requests h is handling, so that Close can wait for them,
// and answers with Unavailable once Close has begun.
func (s *Server) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			s.unavailable.ServeHTTP(w, r)
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
// returned, so a handler that ignores its context makes Close wait for it.
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
		err = fmt.Errorf("%s: close: requests cut short: %w", s.name, err)
		_ = s.srv.Close() // its error is the listener's, already closed by Shutdown
	}
	s.cancel() // requests cut short, if any, are abandoned
	<-s.served
	s.handlers.Wait()
	return errors.Join(s.serveErr, err)
}

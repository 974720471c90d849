package api

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/cairnpkg/cairn/node/internal/httpserve"
)

// readTimeout bounds reading an API request, body included (bodies are small).
const readTimeout = 30 * time.Second

// Server serves the API (package httpserve: Addr, and Close, which lets
// requests finish, then cancels them, and waits for every handler).
type Server = httpserve.Server

// Serve serves h (the one of NewHandler) on ln in a goroutine until Close.
// ln should listen on a loopback address: the API has no transport security.
// log (nil discards) receives what the http.Server reports. Requests that
// arrive once Close has begun get a JSON 503.
func Serve(ln net.Listener, h http.Handler, log *slog.Logger) *Server {
	return httpserve.Serve(ln, h, httpserve.Config{
		Name: "api", ReadTimeout: readTimeout, Log: log,
		Unavailable: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, fmt.Errorf("%w: the daemon is shutting down", ErrUnavailable))
		}),
	})
}

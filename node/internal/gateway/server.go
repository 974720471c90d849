package gateway

import (
	"log/slog"
	"net"
	"net/http"

	"github.com/cairnpkg/cairn/node/internal/httpserve"
)

// Server serves the gateway (package httpserve). There is no read or write
// timeout: a CAR of a large package takes as long as the client takes to
// read it; boxo bounds the time between writes (DefaultRetrievalTimeout).
type Server = httpserve.Server

// Serve serves h on ln in a goroutine until Close. log (nil discards)
// receives what the http.Server reports, such as accept errors.
func Serve(ln net.Listener, h http.Handler, log *slog.Logger) *Server {
	return httpserve.Serve(ln, h, httpserve.Config{Name: "gateway", Log: log})
}

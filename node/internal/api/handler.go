package api

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
)

// maxBodyBytes bounds every request body.
const maxBodyBytes = 1 << 20

// minTokenLen is the shortest API token NewHandler accepts; NewToken makes
// tokens of 64.
const minTokenLen = 32

// Config is what NewHandler needs.
type Config struct {
	// Token authorizes the requests that change state (every method but GET
	// and HEAD): at least 32 printable ASCII characters, no spaces. NewToken
	// makes one.
	Token string
	// Backend answers the routes. Required.
	Backend Backend
	// Metrics, if not nil, is served at GET /metrics (a Prometheus handler).
	Metrics http.Handler
	// Log receives refused requests (Warn), backend failures (Error) and
	// other errors (Debug); nil discards.
	Log *slog.Logger
}

func (c Config) validate() error {
	if c.Backend == nil {
		return fmt.Errorf("%w: Backend is nil", ErrInvalidConfig)
	}
	if len(c.Token) < minTokenLen {
		return fmt.Errorf("%w: token must be at least %d characters, got %d", ErrInvalidConfig, minTokenLen, len(c.Token))
	}
	for i := 0; i < len(c.Token); i++ {
		if b := c.Token[i]; b <= ' ' || b > '~' {
			return fmt.Errorf("%w: token must be printable ASCII without spaces, found byte %#x at %d", ErrInvalidConfig, b, i)
		}
	}
	return nil
}

// handler is the http.Handler NewHandler returns.
type handler struct {
	backend  Backend
	tokenSum [sha256.Size]byte // of Config.Token; see checkToken
	routes   map[string]route
	log      *slog.Logger
}

// NewHandler returns the API's http.Handler: the routes of routes.go behind
// the checks of auth.go. Serve it on a loopback listener (see Serve).
func NewHandler(cfg Config) (http.Handler, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	h := &handler{backend: cfg.Backend, tokenSum: sha256.Sum256([]byte(cfg.Token)), log: cfg.Log}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.routes = h.newRoutes(cfg.Metrics)
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := h.admit(r); err != nil {
		h.fail(w, r, err)
		return
	}
	h.route(w, r)
}

// fail logs err and answers with it.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, _ := statusOf(err)
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", status, "err", err}
	switch {
	case status >= 500 && r.Context().Err() == nil:
		h.log.Error("api request failed", attrs...)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		h.log.Warn("api request refused", append(attrs, "remote", r.RemoteAddr, "host", r.Host, "origin", r.Header.Get("Origin"))...)
	default:
		h.log.Debug("api request failed", attrs...)
	}
	writeError(w, err)
}

// writeError answers with err's status (see statusOf) and an errorBody.
func writeError(w http.ResponseWriter, err error) {
	status, code := statusOf(err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cairn"`)
	}
	writeJSON(w, status, errorBody{Error: err.Error(), Code: code})
}

// writeJSON answers with status and v encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed","code":"internal"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

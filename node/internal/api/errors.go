package api

import (
	"github.com/cairnpkg/cairn/internal/errkind"

	"context"
	"errors"
	"fmt"
	"net/http"
)

// Errors of the API. The server answers each with the HTTP status noted (the
// table statuses below is the only place that maps errors to statuses), and
// the Client's *Error matches them with errors.Is by that status.
//
// A Backend chooses the status of its error by wrapping one of them:
//
//	return api.PeerInfo{}, fmt.Errorf("%w: %q has no /p2p/ component", api.ErrBadRequest, addr)
//
// A Backend error that wraps none of them is a 500, except one that wraps
// context.DeadlineExceeded, which is a 504 like ErrTimeout.
var (
	// ErrBadRequest (400): the request is malformed or names something that
	// cannot be (an address that does not parse, a missing field).
	ErrBadRequest = errkind.New("bad request", errkind.Invalid)
	// ErrUnauthorized (401): the request changes state and carries no API
	// token, or it carries a wrong one.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden (403): the request came from a web browser, or was addressed
	// to a Host that is not localhost or a loopback IP (DNS rebinding).
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound (404): no such route, or the Backend has no such thing.
	ErrNotFound = errkind.New("not found", errkind.NotFound)
	// ErrConflict (409): the request names something that is disputed (a
	// name@version with proofs of equivocation).
	ErrConflict = errkind.New("conflict", errkind.Untrusted)
	// ErrStale (409, code "stale"): the name's rule has a max_age and its
	// keys have been quiet longer (docs/trust.md §7): the node's view of
	// the name may be frozen.
	ErrStale = errkind.New("stale", errkind.Stale)
	// ErrUnavailable (503): the daemon cannot serve the request now (it is
	// shutting down). The Client also returns it, wrapped, when no daemon
	// answers at its address.
	ErrUnavailable = errors.New("unavailable")
	// ErrTimeout (504): the Backend gave up waiting (for a peer, say).
	ErrTimeout = errkind.New("timeout", errkind.Timeout)
	// ErrInvalidConfig is wrapped by the error NewHandler returns for a Config
	// that breaks one of its rules.
	ErrInvalidConfig = errkind.New("invalid api config", errkind.Invalid)
)

// Errors only the server makes; the Client sees them as an *Error with the
// status.
var (
	errMethodNotAllowed     = errors.New("method not allowed")
	errTooLarge             = errors.New("request too large")
	errUnsupportedMediaType = errors.New("unsupported media type")
)

// statuses maps errors to HTTP statuses and the short codes of the error body,
// first match wins.
var statuses = []struct {
	err    error
	status int
	code   string
}{
	{ErrBadRequest, http.StatusBadRequest, "bad-request"},
	{ErrUnauthorized, http.StatusUnauthorized, "unauthorized"},
	{ErrForbidden, http.StatusForbidden, "forbidden"},
	{ErrNotFound, http.StatusNotFound, "not-found"},
	{ErrStale, http.StatusConflict, "stale"},
	{ErrConflict, http.StatusConflict, "conflict"},
	{errMethodNotAllowed, http.StatusMethodNotAllowed, "method-not-allowed"},
	{errTooLarge, http.StatusRequestEntityTooLarge, "too-large"},
	{errUnsupportedMediaType, http.StatusUnsupportedMediaType, "unsupported-media-type"},
	{ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	{ErrTimeout, http.StatusGatewayTimeout, "timeout"},
	{context.DeadlineExceeded, http.StatusGatewayTimeout, "timeout"},
}

// statusOf returns the HTTP status and code the server answers err with.
func statusOf(err error) (status int, code string) {
	for _, s := range statuses {
		if errors.Is(err, s.err) {
			return s.status, s.code
		}
	}
	return http.StatusInternalServerError, "internal"
}

// errorBody is what the server sends with every status but 200.
type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// Error is the error the Client returns when the daemon answers with an error
// status. errors.Is matches it to ErrBadRequest, ErrUnauthorized,
// ErrForbidden, ErrNotFound, ErrStale, ErrConflict, ErrUnavailable and
// ErrTimeout by its Status (and, for ErrStale, its Code).
type Error struct {
	Status  int    // HTTP status, e.g. 404
	Code    string // short code, e.g. "not-found"; empty if the answer had none
	Message string // the daemon's message
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("the daemon answered %d %s", e.Status, http.StatusText(e.Status))
}

// Is reports whether target is the exported sentinel of e's status.
func (e *Error) Is(target error) bool {
	return e.sentinel() == target && target != nil
}

// Unwrap returns the exported sentinel of e's status, if it has one, so that
// errors.Is also matches the sentinel's kind (errkind.NotFound for a 404).
func (e *Error) Unwrap() error { return e.sentinel() }

// sentinel returns the exported sentinel of e's status and code (409 is
// ErrStale with code "stale", else ErrConflict), or nil.
func (e *Error) sentinel() error {
	for _, s := range []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrStale, ErrConflict, ErrUnavailable, ErrTimeout} {
		status, code := statusOf(s)
		if status == e.Status && (s != ErrStale || e.Code == code) {
			return s
		}
	}
	return nil
}

package webui

import (
	"context"
	"errors"
	"net/http"

	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/node/internal/api"
)

// ErrInvalidConfig is wrapped by the error New returns for a Config that
// breaks one of its rules.
var ErrInvalidConfig = errkind.New("invalid web view config", errkind.Invalid)

// Errors only the handler makes, answered with their status.
var (
	errMethod     = errors.New("method not allowed: the web view is read-only (GET and HEAD)")
	errCrossSite  = errors.New("forbidden: the web view answers only pages opened from its own address (not links or requests from other sites)")
	errNoPage     = errkind.New("no such page", errkind.NotFound)
	errBadRequest = errkind.New("bad request", errkind.Invalid)
)

// statusOf maps an error to the status of the page that shows it: the one
// place where the web view turns errors into statuses.
func statusOf(err error) int {
	switch {
	case errors.Is(err, errMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, errCrossSite), errors.Is(err, api.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, errkind.Invalid):
		return http.StatusBadRequest
	case errors.Is(err, errkind.NotFound):
		return http.StatusNotFound
	case errors.Is(err, errkind.Untrusted), errors.Is(err, errkind.Stale):
		return http.StatusConflict
	case errors.Is(err, errkind.Timeout), errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

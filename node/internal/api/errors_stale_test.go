package api

import (
	"errors"
	"net/http"
	"testing"

	"github.com/cairnpkg/cairn/internal/errkind"
)

// TestStaleAndConflictShareA409: both answer 409; the client tells them
// apart by code, so a stale view keeps its kind (exit 7) across the API.
func TestStaleAndConflictShareA409(t *testing.T) {
	for _, tc := range []struct {
		sentinel error
		code     string
		kind     error
	}{{ErrStale, "stale", errkind.Stale}, {ErrConflict, "conflict", errkind.Untrusted}} {
		status, code := statusOf(tc.sentinel)
		if status != http.StatusConflict || code != tc.code {
			t.Errorf("%v answers %d %s, want 409 %s", tc.sentinel, status, code, tc.code)
		}
		e := &Error{Status: status, Code: code, Message: "m"}
		if !errors.Is(e, tc.sentinel) || !errors.Is(e, tc.kind) {
			t.Errorf("409 %s: errors.Is %v = false, or kind %v", code, tc.sentinel, tc.kind)
		}
		for _, other := range []error{ErrStale, ErrConflict} {
			if other != tc.sentinel && errors.Is(e, other) {
				t.Errorf("409 %s also matches %v", code, other)
			}
		}
	}
}

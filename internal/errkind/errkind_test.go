package errkind_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cairnpkg/cairn/internal/errkind"
)

func TestSentinelWrapsItsKindOnly(t *testing.T) {
	errBad := errkind.New("bad thing", errkind.Invalid)
	err := fmt.Errorf("%w: detail", errBad)
	if err.Error() != "bad thing: detail" {
		t.Errorf("message = %q, want the sentinel's own", err.Error())
	}
	if !errors.Is(err, errBad) || !errors.Is(err, errkind.Invalid) {
		t.Errorf("errors.Is does not reach the sentinel and its kind")
	}
	for _, other := range []error{errkind.NotFound, errkind.Untrusted, errkind.Timeout} {
		if errors.Is(err, other) {
			t.Errorf("an Invalid sentinel matches %v", other)
		}
	}
}

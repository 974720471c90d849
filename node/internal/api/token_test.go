package api_test

import (
	"encoding/hex"
	"testing"

	"github.com/cairnpkg/cairn/node/internal/api"
)

func TestNewToken(t *testing.T) {
	a, err := api.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, err := api.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := hex.DecodeString(a); err != nil || len(raw) != 32 {
		t.Errorf("token %q is not 32 bytes in hex", a)
	}
	if a == b {
		t.Errorf("two tokens are the same: %q", a)
	}
	if _, err := api.NewHandler(api.Config{Token: a, Backend: &fakeBackend{}}); err != nil {
		t.Errorf("NewHandler refuses a NewToken: %v", err)
	}
}

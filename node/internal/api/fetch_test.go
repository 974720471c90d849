package api_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cairnpkg/cairn/node/internal/api"
)

func TestFetchRoute(t *testing.T) {
	b := &fakeBackend{}
	_, addr := startServer(t, b)
	ctx := context.Background()

	var out map[string]string
	if err := api.NewClient(addr, "").Fetch(ctx, api.FetchRequest{Target: "acme/app@1.0.0"}, &out); !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("fetch without a token: %v", err)
	}
	c := api.NewClient(addr, testToken)
	if err := c.Fetch(ctx, api.FetchRequest{Target: "acme/app@1.0.0", Timeout: "30s"}, &out); err != nil {
		t.Fatal(err)
	}
	if out["fetched"] != "acme/app@1.0.0" || out["timeout"] != "30s" {
		t.Fatalf("answer %v", out)
	}
	for name, req := range map[string]api.FetchRequest{
		"no target":     {},
		"bad timeout":   {Target: "x", Timeout: "soon"},
		"zero timeout":  {Target: "x", Timeout: "0s"},
		"minus timeout": {Target: "x", Timeout: "-1s"},
	} {
		if err := c.Fetch(ctx, req, &out); !errors.Is(err, api.ErrBadRequest) {
			t.Errorf("%s: %v, want a bad request", name, err)
		}
	}
}

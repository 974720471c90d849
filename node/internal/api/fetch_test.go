package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
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

func TestRunRoute(t *testing.T) {
	_, addr := startServer(t, &fakeBackend{})
	ctx := context.Background()
	if _, err := api.NewClient(addr, "").Run(ctx, api.RunRequest{Args: []string{"ls"}}); !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("run without a token: %v", err)
	}
	c := api.NewClient(addr, testToken)
	res, err := c.Run(ctx, api.RunRequest{Args: []string{"ls", "--json"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stdout != "ls --json" || res.Stderr != "warned" || res.Code != 3 {
		t.Fatalf("result %+v", res)
	}
	if _, err := c.Run(ctx, api.RunRequest{}); !errors.Is(err, api.ErrBadRequest) {
		t.Fatalf("empty command line: %v", err)
	}
}

func TestFetchesRoute(t *testing.T) {
	_, addr := startServer(t, &fakeBackend{})
	var out []string
	if err := api.NewClient(addr, "").Fetches(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0] != "in progress" {
		t.Fatalf("fetches %v", out)
	}
}

func TestReadRoutes(t *testing.T) {
	h := newHandler(t, &fakeBackend{})
	cases := []struct {
		target, what, arg string
		status            int
	}{
		{"/api/v1/verify?target=acme/app@1.0.0", "verify", "acme/app@1.0.0", http.StatusOK},
		{"/api/v1/versions?name=acme/app", "versions", "acme/app", http.StatusOK},
		{"/api/v1/log?key=did:key:z6Mk", "log", "did:key:z6Mk", http.StatusOK},
		{"/api/v1/mirror", "mirror", "", http.StatusOK},
		{"/api/v1/versions", "", "", http.StatusBadRequest},
		{"/api/v1/verify?target=disputed", "", "", http.StatusConflict},
	}
	get := func(method, target string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, nil)
		req.Host = "127.0.0.1:5001"
		return serve(t, h, req)
	}
	for _, c := range cases {
		rec := get(http.MethodGet, c.target)
		if rec.Code != c.status {
			t.Errorf("GET %s = %d, want %d: %s", c.target, rec.Code, c.status, rec.Body)
			continue
		}
		if c.status != http.StatusOK {
			continue
		}
		var got map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got["what"] != c.what || got["arg"] != c.arg {
			t.Errorf("GET %s answered %s (%v)", c.target, rec.Body, err)
		}
	}
	if rec := get(http.MethodPost, "/api/v1/mirror"); rec.Code != http.StatusMethodNotAllowed && rec.Code != http.StatusUnauthorized {
		t.Errorf("POST /api/v1/mirror = %d, want 405 (or 401 before the method is looked at)", rec.Code)
	}
}

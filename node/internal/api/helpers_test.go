package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cairnpkg/cairn/node/internal/api"
)

// testToken is the token of the handlers under test.
const testToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// fakeBackend answers with fixed values and records the addrs it was asked to
// connect to. err, if set, is what every method returns; connect, if set,
// replaces Connect.
type fakeBackend struct {
	err     error
	connect func(ctx context.Context, addr string) (api.PeerInfo, error)

	mu    sync.Mutex
	addrs []string
}

var _ api.Backend = (*fakeBackend)(nil)

var (
	fakeID    = api.IDInfo{PeerID: "12D3KooWself", Addrs: []string{"/ip4/127.0.0.1/tcp/4001"}, API: "127.0.0.1:5001", Agent: "cairn/test"}
	fakePeers = []api.PeerInfo{{PeerID: "12D3KooWpeer", Addr: "/ip4/192.0.2.7/tcp/4001", Latency: "1ms"}}
)

func (b *fakeBackend) ID(context.Context) (api.IDInfo, error) {
	if b.err != nil {
		return api.IDInfo{}, b.err
	}
	return fakeID, nil
}

func (b *fakeBackend) Peers(context.Context) ([]api.PeerInfo, error) {
	if b.err != nil {
		return nil, b.err
	}
	return fakePeers, nil
}

func (b *fakeBackend) Fetch(_ context.Context, req api.FetchRequest) (any, error) {
	if b.err != nil {
		return nil, b.err
	}
	return map[string]string{"fetched": req.Target, "timeout": req.Timeout}, nil
}

// Read echoes what it was asked; arg "disputed" is an equivocation (409).
func (b *fakeBackend) Read(_ context.Context, what, arg string) (any, error) {
	if b.err != nil {
		return nil, b.err
	}
	if arg == "disputed" {
		return nil, fmt.Errorf("%w: acme/app@1.0.0 is disputed", api.ErrConflict)
	}
	return map[string]string{"what": what, "arg": arg}, nil
}

func (b *fakeBackend) Fetches(context.Context) (any, error) {
	if b.err != nil {
		return nil, b.err
	}
	return []string{"in progress"}, nil
}

func (b *fakeBackend) Run(_ context.Context, req api.RunRequest) (api.RunResult, error) {
	if b.err != nil {
		return api.RunResult{}, b.err
	}
	return api.RunResult{Stdout: strings.Join(req.Args, " "), Stderr: "warned", Code: 3}, nil
}

func (b *fakeBackend) Connect(ctx context.Context, addr string) (api.PeerInfo, error) {
	b.mu.Lock()
	b.addrs = append(b.addrs, addr)
	b.mu.Unlock()
	if b.connect != nil {
		return b.connect(ctx, addr)
	}
	if b.err != nil {
		return api.PeerInfo{}, b.err
	}
	return api.PeerInfo{PeerID: addr[strings.LastIndex(addr, "/")+1:], Addr: addr}, nil
}

// connected returns the addrs Connect was called with.
func (b *fakeBackend) connected() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.addrs...)
}

// metricsText is what the fake metrics handler serves.
const metricsText = "cairn_test_up 1\n"

// newHandler returns the API handler of b, with a metrics handler.
func newHandler(t *testing.T, b api.Backend) http.Handler {
	t.Helper()
	h, err := api.NewHandler(api.Config{
		Token:   testToken,
		Backend: b,
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, metricsText) }),
	})
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	return h
}

// errorBody is the body of an error answer.
type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// serve sends req to h and checks what every answer must satisfy: no
// Access-Control-* header, and with any status but 200 a JSON error body.
func serve(t *testing.T, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	for k := range rec.Header() {
		if strings.HasPrefix(strings.ToLower(k), "access-control-") {
			t.Errorf("answer has header %s: %q", k, rec.Header().Get(k))
		}
	}
	if rec.Code != http.StatusOK && req.Method != http.MethodHead {
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("status %d: Content-Type %q, want application/json", rec.Code, ct)
		}
		var body errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" || body.Code == "" {
			t.Errorf("status %d: body %q is not a JSON error (err %v)", rec.Code, rec.Body.String(), err)
		}
	}
	return rec
}

// decodeError returns the error body of rec.
func decodeError(t *testing.T, rec *httptest.ResponseRecorder) errorBody {
	t.Helper()
	var body errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	return body
}

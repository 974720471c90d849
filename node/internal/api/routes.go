package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"
)

// route is what answers one path.
type route struct {
	method string // a GET route also answers HEAD
	serve  http.Handler
}

func (rt route) allows(method string) bool {
	return method == rt.method || (rt.method == http.MethodGet && method == http.MethodHead)
}

// allow is the route's Allow header.
func (rt route) allow() string {
	if rt.method == http.MethodGet {
		return "GET, HEAD"
	}
	return rt.method
}

func (h *handler) newRoutes(metrics http.Handler) map[string]route {
	routes := map[string]route{
		"/api/v1/id":      {http.MethodGet, h.answer(h.id)},
		"/api/v1/peers":   {http.MethodGet, h.answer(h.peers)},
		"/api/v1/connect": {http.MethodPost, h.answer(h.connect)},
		"/api/v1/fetch":   {http.MethodPost, h.answer(h.fetch)},
		"/api/v1/run":     {http.MethodPost, h.answer(h.run)},
		"/api/v1/fetches": {http.MethodGet, h.answer(func(r *http.Request) (any, error) { return h.backend.Fetches(r.Context()) })},
		// Read-only views (docs/api.md): ?target=CID|NAME@VERSION, ?name=NS/NAME, ?key=DID|NAME.
		"/api/v1/verify":   {http.MethodGet, h.answer(h.read("verify", "target"))},
		"/api/v1/versions": {http.MethodGet, h.answer(h.read("versions", "name"))},
		"/api/v1/log":      {http.MethodGet, h.answer(h.read("log", "key"))},
		"/api/v1/mirror":   {http.MethodGet, h.answer(h.read("mirror", ""))},
	}
	if metrics != nil {
		routes["/metrics"] = route{http.MethodGet, metrics}
	}
	return routes
}

// route answers r with the route of its path: 404 for an unknown path, 405
// for a method the route does not take.
func (h *handler) route(w http.ResponseWriter, r *http.Request) {
	rt, ok := h.routes[r.URL.Path]
	if !ok {
		h.fail(w, r, fmt.Errorf("%w: no route %q", ErrNotFound, r.URL.Path))
		return
	}
	if !rt.allows(r.Method) {
		w.Header().Set("Allow", rt.allow())
		h.fail(w, r, fmt.Errorf("%w: %s takes %s, not %s", errMethodNotAllowed, r.URL.Path, rt.allow(), r.Method))
		return
	}
	rt.serve.ServeHTTP(w, r)
}

// answer adapts a function that returns a value to encode as JSON into an
// http.Handler.
func (h *handler) answer(f func(r *http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := f(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// id answers GET /api/v1/id with an IDInfo.
func (h *handler) id(r *http.Request) (any, error) {
	info, err := h.backend.ID(r.Context())
	if err != nil {
		return nil, err
	}
	return info, nil
}

// peersAnswer is the body of GET /api/v1/peers.
type peersAnswer struct {
	Peers []PeerInfo `json:"peers"`
}

// peers answers GET /api/v1/peers with a peersAnswer.
func (h *handler) peers(r *http.Request) (any, error) {
	peers, err := h.backend.Peers(r.Context())
	if err != nil {
		return nil, err
	}
	if peers == nil {
		peers = []PeerInfo{}
	}
	return peersAnswer{Peers: peers}, nil
}

// connectRequest is the body of POST /api/v1/connect.
type connectRequest struct {
	Addr string `json:"addr"`
}

// connect answers POST /api/v1/connect with the PeerInfo of the peer.
func (h *handler) connect(r *http.Request) (any, error) {
	var req connectRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if req.Addr == "" {
		return nil, fmt.Errorf(`%w: "addr" is required`, ErrBadRequest)
	}
	peer, err := h.backend.Connect(r.Context(), req.Addr)
	if err != nil {
		return nil, err
	}
	return peer, nil
}

// fetch answers POST /api/v1/fetch with what the backend says.
func (h *handler) fetch(r *http.Request) (any, error) {
	var req FetchRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if req.Target == "" {
		return nil, fmt.Errorf(`%w: "target" is required`, ErrBadRequest)
	}
	if req.Timeout != "" {
		if d, err := time.ParseDuration(req.Timeout); err != nil || d <= 0 {
			return nil, fmt.Errorf(`%w: "timeout" %q: expected a positive duration like 30s`, ErrBadRequest, req.Timeout)
		}
	}
	return h.backend.Fetch(r.Context(), req)
}

// maxRunArgs bounds a command line.
const maxRunArgs = 1024

// run answers POST /api/v1/run with the command's output and exit code.
func (h *handler) run(r *http.Request) (any, error) {
	var req RunRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if len(req.Args) == 0 || len(req.Args) > maxRunArgs {
		return nil, fmt.Errorf(`%w: "args" must hold 1 to %d arguments`, ErrBadRequest, maxRunArgs)
	}
	return h.backend.Run(r.Context(), req)
}

// decodeBody decodes r's body, which must be one JSON value of type
// application/json with no fields v lacks, into v.
func decodeBody(r *http.Request, v any) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return fmt.Errorf("%w: Content-Type must be application/json, got %q", errUnsupportedMediaType, ct)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// One value, nothing after it.
		if err = dec.Decode(&json.RawMessage{}); err == io.EOF {
			return nil
		}
		if err == nil {
			err = errors.New("more than one JSON value")
		}
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return fmt.Errorf("%w: the body is over %d bytes", errTooLarge, maxBodyBytes)
	}
	return fmt.Errorf("%w: invalid JSON body: %w", ErrBadRequest, err)
}

// read answers a read-only view from the query parameter param (required
// unless param is "").
func (h *handler) read(what, param string) func(r *http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		arg := ""
		if param != "" {
			arg = r.URL.Query().Get(param)
			if arg == "" {
				return nil, fmt.Errorf("%w: %s needs ?%s=", ErrBadRequest, r.URL.Path, param)
			}
		}
		return h.backend.Read(r.Context(), what, arg)
	}
}

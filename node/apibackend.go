package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/api"
)

// apiBackend answers the local HTTP API for a daemon.
type apiBackend struct{ d *Daemon }

var _ api.Backend = apiBackend{}

func (b apiBackend) ID(context.Context) (api.IDInfo, error) {
	protos := b.d.host.Mux().Protocols()
	slices.Sort(protos)
	return api.IDInfo{
		PeerID: b.d.info.PeerID, Addrs: b.d.fullAddrs(), API: b.d.info.API, Gateway: b.d.info.Gateway, Agent: Agent,
		Protocols: protocolStrings(protos),
	}, nil
}

func (b apiBackend) Peers(context.Context) ([]api.PeerInfo, error) {
	out := []api.PeerInfo{}
	for _, p := range b.d.host.Network().Peers() { // one entry a peer, however many connections
		addr := ""
		if conns := b.d.host.Network().ConnsToPeer(p); len(conns) > 0 {
			addr = conns[0].RemoteMultiaddr().String()
		}
		out = append(out, b.peerInfo(p, addr))
	}
	slices.SortFunc(out, func(a, b api.PeerInfo) int { return strings.Compare(a.PeerID, b.PeerID) })
	return out, nil
}

func (b apiBackend) Connect(ctx context.Context, addr string) (api.PeerInfo, error) {
	ai, err := peer.AddrInfoFromString(addr)
	if err != nil {
		return api.PeerInfo{}, fmt.Errorf("%w: %q: expected a multiaddr ending in /p2p/PEER_ID: %w", api.ErrBadRequest, addr, err)
	}
	if ai.ID == b.d.host.ID() {
		return api.PeerInfo{}, fmt.Errorf("%w: %s is this node", api.ErrBadRequest, ai.ID)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := b.d.host.Connect(ctx, *ai); err != nil {
		return api.PeerInfo{}, fmt.Errorf("connect to %s: %w", ai.ID, err)
	}
	remote := ""
	if conns := b.d.host.Network().ConnsToPeer(ai.ID); len(conns) > 0 {
		remote = conns[0].RemoteMultiaddr().String()
	}
	return b.peerInfo(ai.ID, remote), nil
}

func (b apiBackend) peerInfo(id peer.ID, addr string) api.PeerInfo {
	pi := api.PeerInfo{PeerID: id.String(), Addr: addr}
	if l := b.d.host.Peerstore().LatencyEWMA(id); l > 0 {
		pi.Latency = l.Round(10 * time.Microsecond).String()
	}
	return pi
}

func protocolStrings(ps []protocol.ID) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

// FetchAnswer is the API's answer to a fetch: the result, and whether the
// package was kept (it is not when the policy does not trust it; Error then
// says why and Result.Report shows the verdicts).
type FetchAnswer struct {
	Kept   bool         `json:"kept"`
	Error  string       `json:"error,omitempty"`
	Result *FetchResult `json:"result"`
}

func (b apiBackend) Fetch(ctx context.Context, req api.FetchRequest) (any, error) {
	var timeout time.Duration
	if req.Timeout != "" {
		timeout, _ = time.ParseDuration(req.Timeout) // checked by the API
	}
	tr, err := ParseTransport(req.Transport)
	if err != nil {
		return nil, withStatus(api.ErrBadRequest, err)
	}
	opts := []FetchOption{WithTransport(tr)}
	if req.AllowYanked {
		opts = append(opts, WithAllowYanked())
	}
	res, err := b.d.Fetch(ctx, req.Target, timeout, opts...)
	switch {
	case err == nil:
		return FetchAnswer{Kept: true, Result: res}, nil
	case errors.Is(err, ErrUntrusted) && res != nil:
		return FetchAnswer{Kept: false, Error: err.Error(), Result: res}, nil
	}
	return nil, apiError(err)
}

// apiError gives err the HTTP status of its kind: 400 for invalid input,
// 404 for not found, 409 for a disputed name (code "stale" for a stale
// one), 504 for a timeout; others
// are 500 (api.statuses maps the sentinels to statuses).
func apiError(err error) error {
	switch {
	case errors.Is(err, ErrStale):
		return withStatus(api.ErrStale, err)
	case errors.Is(err, ErrEquivocation):
		return withStatus(api.ErrConflict, err)
	case errors.Is(err, ErrInvalidInput):
		return withStatus(api.ErrBadRequest, err)
	case errors.Is(err, ErrNotFound):
		return withStatus(api.ErrNotFound, err)
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return withStatus(api.ErrTimeout, err)
	}
	return err
}

// withStatus makes err answer with status's HTTP status, keeping err's
// message as it is (fmt.Errorf would prefix the status's text to it).
func withStatus(status, err error) error { return statusError{status, err} }

type statusError struct{ status, err error }

func (e statusError) Error() string   { return e.err.Error() }
func (e statusError) Unwrap() []error { return []error{e.status, e.err} }

func (b apiBackend) Run(ctx context.Context, req api.RunRequest) (api.RunResult, error) {
	if b.d.commands == nil {
		return api.RunResult{}, fmt.Errorf("%w: this daemon runs no commands", api.ErrNotFound)
	}
	b.d.log.Debug("running a command for the CLI", "args", req.Args)
	return b.d.commands(ctx, req.Args), nil
}

func (b apiBackend) Fetches(context.Context) (any, error) { return b.d.Fetches(), nil }

// Read answers the API's read-only views: a verification report (with proofs
// of equivocation), the versions of a name, a key's log, the mirror status.
func (b apiBackend) Read(ctx context.Context, what, arg string) (any, error) {
	r := b.d.repo
	var (
		v   any
		err error
	)
	switch what {
	case "verify":
		var c cid.Cid
		if c, err = r.Resolve(ctx, arg); err == nil {
			v, err = r.Verify(ctx, c, nil)
		}
	case "versions":
		var name dag.Name
		if name, err = dag.ParseName(arg); err == nil {
			v, err = r.Versions(ctx, name)
		}
	case "log":
		v, err = r.Log(ctx, arg, 0)
	case "mirror":
		v, err = b.d.MirrorStatus(ctx)
	default:
		return nil, fmt.Errorf("%w: no view %q", api.ErrNotFound, what)
	}
	if err != nil {
		return nil, apiError(err)
	}
	return v, nil
}

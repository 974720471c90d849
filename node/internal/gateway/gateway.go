package gateway

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	boxogw "github.com/ipfs/boxo/gateway"
	"github.com/ipfs/go-cid"
	"github.com/prometheus/client_golang/prometheus"
)

// NewHandler returns the gateway's handler over bs, which it only reads, and
// over identity CIDs, whose block is the CID's own digest.
// Before anything else it refuses (403, ErrHostNotAllowed) a request whose
// Host is not localhost, *.localhost, an IP literal or one of
// cfg.AllowedHosts; every response it makes carries
// Content-Security-Policy: sandbox and X-Content-Type-Options: nosniff. It
// has its own Prometheus registry: boxo's metrics stay out of the global one,
// so that several handlers can live in one process.
func NewHandler(bs blockstore.Blockstore, cfg Config) (http.Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	bs = blockstore.NewIdStore(bs)    // identity CIDs hold their block: never stored, always held
	bsvc := blockservice.New(bs, nil) // no exchange: offline, only what bs holds
	backend, err := boxogw.NewBlocksBackend(bsvc, boxogw.WithPrometheusRegistry(reg))
	if err != nil {
		return nil, err
	}
	h := boxogw.NewHandler(boxogw.Config{
		DeserializedResponses: true,
		NoDNSLink:             true,
		DisableHTMLErrors:     true,
		DeprecatedXIpfsPath:   true, // the path gateway spec's X-Ipfs-Path, besides IPIP-0548's Ipfs-Uri
		RetrievalTimeout:      boxogw.DefaultRetrievalTimeout,
		MaxConcurrentRequests: boxogw.DefaultMaxConcurrentRequests,
		MetricsRegistry:       reg,
	}, backend)
	mux := http.NewServeMux()
	mux.Handle("/ipfs/", held(bs, entityBytesScope(h))) // no /ipns/: names would need the network
	return sandboxed(hostGuard(allowedSet(cfg.AllowedHosts), mux)), nil
}

// held answers 404 for a root CID that bs does not hold before h sees the
// request: h starts a CAR response (200) before it reads the root, so that a
// missing root would be a truncated 200 rather than a 404.
func held(bs blockstore.Blockstore, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/ipfs/"), "/")
		if c, err := cid.Decode(first); err == nil { // h answers CIDs that do not parse
			ok, err := bs.Has(r.Context(), c)
			if err != nil {
				http.Error(w, fmt.Sprintf("check %s: %v", c, err), http.StatusInternalServerError)
				return
			}
			if !ok {
				http.Error(w, fmt.Sprintf("%s: not held by this node (the gateway serves only what the node holds)", c), http.StatusNotFound)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// entityBytesScope adds dag-scope=entity to a request that has entity-bytes
// and no dag-scope: the Trustless Gateway spec says entity-bytes implies
// dag-scope=entity, but boxo takes a missing dag-scope as all, which sends
// the whole DAG (and fails on a block outside the range that the node does
// not hold) instead of the blocks of the range.
func entityBytesScope(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Has("entity-bytes") && !q.Has("dag-scope") {
			q.Set("dag-scope", "entity")
			r = r.Clone(r.Context())
			r.URL.RawQuery = q.Encode()
		}
		h.ServeHTTP(w, r)
	})
}

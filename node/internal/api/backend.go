package api

import "context"

// Backend is what the API serves; the daemon implements it. It is narrow on
// purpose and grows with the routes.
//
// Methods get the request's context: it is cancelled when the client goes away
// or when Server.Close gives up waiting, and a method should then return
// promptly, since Close waits for it. An error that wraps ErrBadRequest,
// ErrNotFound, ErrUnavailable or ErrTimeout (or context.DeadlineExceeded) is
// answered with that status; any other error with 500. The error's message is
// sent to the client, so it should read well on its own.
type Backend interface {
	// ID describes this node.
	ID(ctx context.Context) (IDInfo, error)
	// Peers lists the peers the node is connected to.
	Peers(ctx context.Context) ([]PeerInfo, error)
	// Connect dials addr, a multiaddr that ends in /p2p/<peer ID>, and
	// describes the peer once connected.
	Connect(ctx context.Context, addr string) (PeerInfo, error)
	// Fetch gets a package from the network (POST /api/v1/fetch) and
	// returns what to answer, encoded as JSON.
	Fetch(ctx context.Context, req FetchRequest) (any, error)
	// Run runs a cairn command on the daemon's repo (POST /api/v1/run): how
	// the CLI works while the daemon holds the repo.
	Run(ctx context.Context, req RunRequest) (RunResult, error)
	// Fetches describes the fetches in progress (GET /api/v1/fetches),
	// encoded as JSON.
	Fetches(ctx context.Context) (any, error)
	// Read answers the read-only routes over the repo's logs and trust:
	// what is "verify", "versions", "log" or "mirror"; arg is the target
	// (a CID or NAME@VERSION), the package name or the key, or "".
	Read(ctx context.Context, what, arg string) (any, error)
}

// RunRequest is the body of POST /api/v1/run: a cairn command line, without
// "cairn" and without --repo, with every path made absolute by the client.
type RunRequest struct {
	Args []string `json:"args"`
}

// RunResult is what the command printed and its exit code.
type RunResult struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Code   int    `json:"code"`
}

// FetchRequest is the body of POST /api/v1/fetch.
type FetchRequest struct {
	// Target is a CID or NAME@VERSION.
	Target string `json:"target"`
	// Timeout bounds the fetch, as a Go duration ("30s"); empty for the
	// daemon's default.
	Timeout string `json:"timeout,omitempty"`
	// Transport picks how the content comes: "auto" (the default, when
	// empty), "stream" (/cairn/car/1.0.0 only) or "bitswap".
	Transport string `json:"transport,omitempty"`
	// AllowYanked keeps a NAME@VERSION its rule's keys withdrew.
	AllowYanked bool `json:"allowYanked,omitempty"`
}

// IDInfo describes the node: GET /api/v1/id.
type IDInfo struct {
	PeerID    string   `json:"peerID"`
	Addrs     []string `json:"addrs"`             // multiaddrs the node listens on
	API       string   `json:"api"`               // the address of this API
	Gateway   string   `json:"gateway,omitempty"` // the HTTP gateway's address, if it runs
	Agent     string   `json:"agent"`             // e.g. "cairn/0.1.0"
	Protocols []string `json:"protocols,omitempty"`
}

// PeerInfo describes a connected peer: GET /api/v1/peers, POST /api/v1/connect.
type PeerInfo struct {
	PeerID  string `json:"peerID"`
	Addr    string `json:"addr,omitempty"`    // the multiaddr of the connection
	Latency string `json:"latency,omitempty"` // e.g. "1.2ms"; empty if unknown
}

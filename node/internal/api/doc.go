// Package api is the daemon's local HTTP API, server and client: how the
// cairn CLI and other programs on the same machine drive a running node.
//
// The daemon implements Backend, builds the handler with NewHandler and serves
// it with Serve on a loopback listener; the CLI calls it with a Client. The
// routes are versioned:
//
//	GET  /api/v1/id       IDInfo
//	GET  /api/v1/peers    {"peers": [PeerInfo...]}
//	POST /api/v1/connect  {"addr": "/ip4/…/p2p/…"} -> PeerInfo
//	GET  /metrics         Prometheus metrics, if Config.Metrics is set
//
// Every other status comes with {"error": "message", "code": "short-code"};
// errors.go maps errors to statuses.
//
// Kubo's RPC API was driven by web pages (kubo#5996, ipfs-webui#1036), so
// this one refuses with 403 every request a browser could send (any with
// Origin or Sec-Fetch-* headers, every OPTIONS) and every request addressed to
// a Host other than localhost or a loopback IP (DNS rebinding), sends no
// Access-Control-* header, and requires "Authorization: Bearer <token>" for
// every request that changes state (any method but GET and HEAD).
//
// Example, in the daemon:
//
//	token, err := api.NewToken() // and write it where the CLI finds it
//	h, err := api.NewHandler(api.Config{Token: token, Backend: n, Log: log})
//	ln, err := net.Listen("tcp", "127.0.0.1:5001")
//	srv := api.Serve(ln, h, log)
//	defer srv.Close(ctx)
//
// and in the CLI:
//
//	c := api.NewClient("127.0.0.1:5001", token)
//	peer, err := c.Connect(ctx, "/ip4/192.0.2.7/tcp/4001/p2p/12D3KooW…")
//	if errors.Is(err, api.ErrUnavailable) {
//		// no daemon is running (or it is shutting down)
//	}
package api

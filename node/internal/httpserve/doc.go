// Package httpserve runs an http.Handler on a listener with the node's
// server settings (header and idle timeouts, header size) and an orderly
// stop: Close stops accepting, answers new requests with 503, lets the
// requests in flight finish until its context ends, then cancels their
// contexts and waits for every handler. The local API and the gateway both
// serve through it.
//
//	srv := httpserve.Serve(ln, h, httpserve.Config{Name: "gateway"})
//	defer srv.Close(ctx)
package httpserve

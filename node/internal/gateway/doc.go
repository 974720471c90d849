// Package gateway is the daemon's read-only HTTP gateway: the IPFS Trustless
// Gateway (https://specs.ipfs.tech/http-gateways/trustless-gateway/) over the
// blocks the node holds, so that any HTTP client can fetch and verify them.
//
// It serves GET and HEAD on /ipfs/{cid}[/path] only:
//
//	?format=raw  (Accept: application/vnd.ipld.raw)  one block, as stored
//	?format=car  (Accept: application/vnd.ipld.car)  a CAR of the DAG;
//	             dag-scope=all|entity|block, entity-bytes=from:to,
//	             order=dfs, dups=n
//	no format    the file's bytes (a UnixFS file, deserialized)
//
// Paths go through dag-pb, DAG-CBOR and DAG-JSON (/ipfs/{dag-cbor cid}/file).
// entity-bytes implies dag-scope=entity, as the spec says (boxo alone would
// take the whole DAG). Identity CIDs are answered from the CID itself. The
// responses carry the spec's headers (X-Ipfs-Path, X-Ipfs-Roots, Etag,
// Cache-Control: public, max-age=29030400, immutable; a CAR's Content-Type
// with version, order and dups).
//
// It is built on boxo/gateway with an offline block service: it answers from
// the blockstore it is given and never fetches from the network, so a CID the
// node does not hold is a 404 at once, never a wait. It never writes (any
// other method is 405), has no /ipns/ namespace and needs no token, so it is
// safe to expose beyond loopback.
//
// It keeps other web origins out. A request whose Host header is not
// localhost, a name under .localhost, an IP literal or one of
// Config.AllowedHosts is refused with 403 and a plain-text message, so that a
// domain re-pointed at the gateway (DNS rebinding) reads nothing. Every
// response carries Content-Security-Policy: sandbox and
// X-Content-Type-Options: nosniff, so that HTML or SVG it serves never runs
// scripts as the gateway's origin.
//
// Example, in the daemon:
//
//	h, err := gateway.NewHandler(store.Blockstore(), gateway.Config{AllowedHosts: []string{"pkgs.example.org"}})
//	ln, err := net.Listen("tcp", "127.0.0.1:4503")
//	srv := gateway.Serve(ln, h, log)
//	defer srv.Close(ctx)
package gateway

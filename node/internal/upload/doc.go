// Package upload caps the bytes a node serves to others: one token bucket
// shared by bitswap's messages, the whole-DAG stream (/cairn/car/1.0.0) and
// the HTTP gateway, and a count of the bytes each of them served.
//
// A Limiter is made once from the daemon's [network] upload_limit and wraps
// what writes to peers: libp2p streams (Stream, or Host for every stream a
// protocol opens or accepts) and HTTP responses (Handler). Writes are split so
// that none takes more than the bucket's burst; reads are never limited.
//
//	r, err := upload.ParseRate("40MB/s") // "" is Unlimited
//	if err != nil { ... }
//	l := upload.New(r)
//	bitswapHost := upload.Host(h, l, upload.Bitswap)
//	dagstream.Serve(ctx, upload.Host(h, l, upload.Stream), bs)
//	gw := upload.Handler(l, gatewayHandler)
//	served := l.Served(upload.Gateway)
package upload

// Package exchange runs bitswap (boxo) over the node's store: the server
// answers peers' wants from the store's checked blocks; the client fetches
// blocks the node wants, finding providers through the DHT.
//
// Blocks the client receives are not written to the store by bitswap: they
// are handed to the caller (a fetch), which writes them through its store
// transaction, so a fetch commits all of its blocks or none.
//
//	x := exchange.New(ctx, h, dht, st.Blockstore())
//	defer x.Close()
//	sess := x.NewSession(ctx)
//	blk, err := sess.GetBlock(ctx, c)
package exchange

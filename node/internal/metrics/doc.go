// Package metrics is the daemon's Prometheus registry, served by the API at
// /metrics (docs/api.md): counters of what happened (fetches, verdicts,
// mirrored entries, log entries caught up), fed by events, and gauges read
// from the daemon's parts at each scrape (peers, blocks stored, bitswap and
// gossip counters).
//
//	c := metrics.NewCounters()
//	cancel := bus.Subscribe(c.Count)
//	h := metrics.Handler(c, metrics.Sources{Peers: peers, Blocks: blocks, Bitswap: stat, Gossip: gossipStats})
package metrics

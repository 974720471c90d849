package metrics

import (
	"net/http"

	"github.com/ipfs/boxo/bitswap"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/gossip"
	"github.com/cairnpkg/cairn/node/internal/upload"
)

// Counters are the daemon's event counts.
type Counters struct {
	Fetches       *prometheus.CounterVec // by result: kept, untrusted, failed
	Verifications *prometheus.CounterVec // by status: valid, invalid, untrusted
	Mirrored      *prometheus.CounterVec // by result: mirrored, refused, failed
	LogEntries    prometheus.Counter     // log entries caught up from peers
	LogRunsServed prometheus.Counter     // log entries sent to peers in runs
}

// NewCounters returns zeroed counters.
func NewCounters() *Counters {
	return &Counters{
		Fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_fetches_total", Help: "Fetches, by result: kept, untrusted (not kept), failed.",
		}, []string{"result"}),
		Verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_verifications_total", Help: "Package verifications, by verdict.",
		}, []string{"status"}),
		Mirrored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_mirror_entries_total", Help: "Log entries a mirror rule dealt with, by result: mirrored, refused (not trusted or disputed), failed (retried).",
		}, []string{"result"}),
		LogEntries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cairn_log_entries_caught_up_total", Help: "Publisher-log entries fetched from peers and added to the repo's logs.",
		}),
		LogRunsServed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cairn_log_entries_served_total", Help: "Publisher-log entries sent to peers in runs (/cairn/log/1.0.0).",
		}),
	}
}

// Count counts what an event says: verdicts and log entries caught up. It
// is meant as a Bus subscriber.
func (c *Counters) Count(e events.Event) {
	switch e := e.(type) {
	case events.Verified:
		c.Verifications.WithLabelValues(string(e.Status)).Inc()
	case events.LogsCaughtUp:
		c.LogEntries.Add(float64(e.Added))
	}
}

// Fetched counts a fetch by result.
func (c *Counters) Fetched(result string) { c.Fetches.WithLabelValues(result).Inc() }

// MirrorEntry counts a mirror rule's entry by result.
func (c *Counters) MirrorEntry(result string) { c.Mirrored.WithLabelValues(result).Inc() }

// Sources are the daemon's figures, read at each scrape.
type Sources struct {
	Peers   func() int
	Blocks  func() int64 // counted when read, at most once a minute
	Bitswap func() (*bitswap.Stat, error)
	Gossip  func() gossip.Stats
	Upload  *upload.Limiter // the upload limit and the bytes served
	// Heads returns the bytes sent and received in head exchanges.
	Heads func() (sent, received uint64)
}

// Handler returns the /metrics handler over a registry of its own.
func Handler(c *Counters, src Sources) http.Handler {
	reg := prometheus.NewRegistry()
	bitswapStat := func(f func(*bitswap.Stat) uint64) func() float64 {
		return func() float64 {
			s, err := src.Bitswap()
			if err != nil {
				return 0
			}
			return float64(f(s))
		}
	}
	reg.MustRegister(
		c.Fetches, c.Verifications, c.Mirrored, c.LogEntries, c.LogRunsServed,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cairn_peers", Help: "Connected peers."},
			func() float64 { return float64(src.Peers()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cairn_blocks_stored", Help: "Blocks in the store, counted when read, at most once a minute."},
			func() float64 { return float64(src.Blocks()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cairn_bitswap_blocks_received_total", Help: "Blocks received by bitswap."},
			bitswapStat(func(s *bitswap.Stat) uint64 { return s.BlocksReceived })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cairn_bitswap_data_received_bytes_total", Help: "Bytes of blocks received by bitswap."},
			bitswapStat(func(s *bitswap.Stat) uint64 { return s.DataReceived })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cairn_bitswap_blocks_sent_total", Help: "Blocks sent by bitswap."},
			bitswapStat(func(s *bitswap.Stat) uint64 { return s.BlocksSent })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cairn_bitswap_data_sent_bytes_total", Help: "Bytes of blocks sent by bitswap."},
			bitswapStat(func(s *bitswap.Stat) uint64 { return s.DataSent })),
	)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "cairn_upload_limit_bytes_per_second", Help: "The upload limit ([network] upload_limit) in bytes per second; 0 for none.",
	}, func() float64 { return float64(src.Upload.Rate()) }))
	for _, s := range upload.Services {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "cairn_upload_bytes_total", Help: "Bytes served to others, by service: bitswap, stream (/cairn/car/1.0.0), gateway.",
			ConstLabels: prometheus.Labels{"service": s.String()},
		}, func() float64 { return float64(src.Upload.Served(s)) }))
	}
	for _, g := range []struct {
		result string
		f      func(s gossip.Stats) uint64
	}{
		{"accepted", func(s gossip.Stats) uint64 { return s.Accepted }},
		{"malformed", func(s gossip.Stats) uint64 { return s.Malformed }},
		{"bad_signature", func(s gossip.Stats) uint64 { return s.BadSignature }},
		{"stale", func(s gossip.Stats) uint64 { return s.Stale }},
		{"rate_limited", func(s gossip.Stats) uint64 { return s.RateLimited }},
		{"throttled", func(s gossip.Stats) uint64 { return s.Throttled }},
	} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "cairn_gossip_announcements_total", Help: "Announcements received on gossip, by validation result.",
			ConstLabels: prometheus.Labels{"result": g.result},
		}, func() float64 { return float64(g.f(src.Gossip())) }))
	}
	for _, d := range []struct {
		direction string
		gossip    func(s gossip.Stats) uint64
		sent      bool
	}{
		{"sent", func(s gossip.Stats) uint64 { return s.BytesSent }, true},
		{"received", func(s gossip.Stats) uint64 { return s.BytesReceived }, false},
	} {
		labels := prometheus.Labels{"direction": d.direction}
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "cairn_gossip_bytes_total", Help: "Bytes of gossip RPCs (messages and control) sent to or received from peers.",
				ConstLabels: labels,
			}, func() float64 { return float64(d.gossip(src.Gossip())) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "cairn_heads_bytes_total", Help: "Bytes of head exchanges (/cairn/heads/1.0.0) sent or received.",
				ConstLabels: labels,
			}, func() float64 {
				sent, received := src.Heads()
				if d.sent {
					return float64(sent)
				}
				return float64(received)
			}),
		)
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

package node

import (
	"errors"

	"github.com/cairnpkg/cairn/node/internal/gossip"

	"github.com/prometheus/client_golang/prometheus"
)

// counters are the daemon's event counts, exported at /metrics.
type counters struct {
	fetches       *prometheus.CounterVec // by result: kept, untrusted, failed
	verifications *prometheus.CounterVec // by status: valid, invalid, untrusted
	mirrored      *prometheus.CounterVec // by result: mirrored, refused, failed
	logEntries    prometheus.Counter     // log entries caught up from peers
}

func newCounters() counters {
	return counters{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_fetches_total", Help: "Fetches, by result: kept, untrusted (not kept), failed.",
		}, []string{"result"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_verifications_total", Help: "Package verifications, by verdict.",
		}, []string{"status"}),
		mirrored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_mirror_entries_total", Help: "Log entries a mirror rule dealt with, by result: mirrored, refused (not trusted or disputed), failed (retried).",
		}, []string{"result"}),
		logEntries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cairn_log_entries_caught_up_total", Help: "Publisher-log entries fetched from peers and added to the repo's logs.",
		}),
	}
}

// gossipMetrics exports the announcement validator's counters.
func (d *Daemon) gossipMetrics() []prometheus.Collector {
	stat := func(f func(s gossipStats) uint64) func() float64 {
		return func() float64 {
			if d.gossip == nil {
				return 0
			}
			return float64(f(d.gossip.Stats()))
		}
	}
	var out []prometheus.Collector
	for _, c := range []struct {
		result string
		f      func(s gossipStats) uint64
	}{
		{"accepted", func(s gossipStats) uint64 { return s.Accepted }},
		{"malformed", func(s gossipStats) uint64 { return s.Malformed }},
		{"bad_signature", func(s gossipStats) uint64 { return s.BadSignature }},
		{"stale", func(s gossipStats) uint64 { return s.Stale }},
		{"rate_limited", func(s gossipStats) uint64 { return s.RateLimited }},
		{"throttled", func(s gossipStats) uint64 { return s.Throttled }},
	} {
		out = append(out, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "cairn_gossip_announcements_total", Help: "Announcements received on gossip, by validation result.",
			ConstLabels: prometheus.Labels{"result": c.result},
		}, stat(c.f)))
	}
	return out
}

type gossipStats = gossip.Stats

func (d *Daemon) countFetch(err error) {
	switch {
	case err == nil:
		d.counters.fetches.WithLabelValues("kept").Inc()
	case errors.Is(err, ErrUntrusted):
		d.counters.fetches.WithLabelValues("untrusted").Inc()
	default:
		d.counters.fetches.WithLabelValues("failed").Inc()
	}
}

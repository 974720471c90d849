package node

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// counters are the daemon's event counts, exported at /metrics.
type counters struct {
	fetches       *prometheus.CounterVec // by result: kept, untrusted, failed
	verifications *prometheus.CounterVec // by status: valid, invalid, untrusted
}

func newCounters() counters {
	return counters{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_fetches_total", Help: "Fetches, by result: kept, untrusted (not kept), failed.",
		}, []string{"result"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_verifications_total", Help: "Package verifications, by verdict.",
		}, []string{"status"}),
	}
}

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

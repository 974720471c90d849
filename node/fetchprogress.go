package node

import "time"

// fetchState is a fetch in progress, for GET /api/v1/fetches.
type fetchState struct {
	target string
	start  time.Time
	f      *fetcher
}

// FetchProgress describes a fetch in progress.
type FetchProgress struct {
	Target  string  `json:"target"`
	Blocks  int64   `json:"blocks"`
	Bytes   int64   `json:"bytes"`
	Total   int64   `json:"total"` // content bytes of the package; 0 until its node arrived
	Peers   int     `json:"peers"` // connected peers
	Seconds float64 `json:"seconds"`
}

// Fetches lists the fetches in progress.
func (d *Daemon) Fetches() []FetchProgress {
	out := []FetchProgress{}
	d.fetches.Range(func(_, v any) bool {
		s := v.(*fetchState)
		out = append(out, FetchProgress{
			Target: s.target, Blocks: s.f.counted.blocks.Load(), Bytes: s.f.counted.bytes.Load(),
			Total: s.f.total.Load(), Peers: len(d.host.Network().Peers()), Seconds: time.Since(s.start).Seconds(),
		})
		return true
	})
	return out
}

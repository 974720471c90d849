package fetch

import "time"

// running is a fetch in progress.
type running struct {
	target string
	s      *session
}

// Progress describes a fetch in progress.
type Progress struct {
	Target  string  `json:"target"`
	Blocks  int64   `json:"blocks"`
	Bytes   int64   `json:"bytes"`
	Total   int64   `json:"total"` // content bytes of the package; 0 until its node arrived
	Peers   int     `json:"peers"` // connected peers
	Seconds float64 `json:"seconds"`
}

// Progress lists the fetches in progress.
func (f *Fetcher) Progress() []Progress {
	out := []Progress{}
	f.running.Range(func(_, v any) bool {
		r := v.(*running)
		out = append(out, Progress{
			Target: r.target, Blocks: r.s.counted.blocks.Load(), Bytes: r.s.counted.bytes.Load(),
			Total: r.s.total.Load(), Peers: f.cfg.Net.Connected(), Seconds: time.Since(r.s.start).Seconds(),
		})
		return true
	})
	return out
}

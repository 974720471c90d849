package fetch

import (
	"context"
	"time"
)

// running is a fetch in progress: a session, or a wait for the daemon's
// follower to catch up a log (catchUp).
type running struct {
	target  string
	s       *session
	catchUp *catchUpWait
}

// catchUpWait is a fetch waiting for Config.CatchUp.
type catchUpWait struct {
	signer string
	from   uint64 // the entry held when the wait began
	head   uint64
	start  time.Time
}

// Progress describes a fetch in progress.
type Progress struct {
	Target  string  `json:"target"`
	Blocks  int64   `json:"blocks"`
	Bytes   int64   `json:"bytes"`
	Total   int64   `json:"total"` // content bytes of the package; 0 until its node arrived
	Peers   int     `json:"peers"` // connected peers
	Seconds float64 `json:"seconds"`
	// Log, while the fetch waits for a publisher log too far ahead for it to
	// be caught up (Config.CatchUp), is how far the repo holds it.
	Log *LogProgress `json:"log,omitempty"`
}

// LogProgress is how far a long log's catch-up has come: the repo holds
// Signer's log to entry Held, of Head.
type LogProgress struct {
	Signer string `json:"signer"`
	Held   uint64 `json:"held"`
	Head   uint64 `json:"head"`
}

// Progress lists the fetches in progress.
func (f *Fetcher) Progress() []Progress {
	out := []Progress{}
	f.running.Range(func(_, v any) bool {
		r := v.(*running)
		if w := r.catchUp; w != nil {
			held := w.from
			if h, err := f.cfg.Store.LogHead(context.Background(), w.signer); err == nil {
				held = h.Seq
			}
			out = append(out, Progress{Target: r.target, Peers: f.cfg.Net.Connected(), Seconds: time.Since(w.start).Seconds(),
				Log: &LogProgress{Signer: w.signer, Held: held, Head: w.head}})
			return true
		}
		out = append(out, Progress{
			Target: r.target, Blocks: r.s.counted.blocks.Load(), Bytes: r.s.counted.bytes.Load(),
			Total: r.s.total.Load(), Peers: f.cfg.Net.Connected(), Seconds: time.Since(r.s.start).Seconds(),
		})
		return true
	})
	return out
}

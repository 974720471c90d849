package upload

import (
	"context"
	"io"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Service is one of the things that serve bytes to others.
type Service int

// The services that share a Limiter.
const (
	Bitswap Service = iota // bitswap's messages
	Stream                 // the whole-DAG stream, /cairn/car/1.0.0
	Gateway                // the HTTP gateway's response bodies
	numServices
)

// Services lists every Service, in order.
var Services = [numServices]Service{Bitswap, Stream, Gateway}

// String is the service's name, as /metrics labels it.
func (s Service) String() string {
	switch s {
	case Bitswap:
		return "bitswap"
	case Stream:
		return "stream"
	case Gateway:
		return "gateway"
	}
	return "unknown"
}

// MinBurst is the least a bucket holds: a write of up to this much never
// waits on a full bucket. A bucket also holds at least 100 ms of its rate.
const MinBurst = 256 << 10

// Limiter is one token bucket of bytes shared by every service, and the
// bytes each served. The zero Limiter is not usable; New makes one. A
// Limiter of Unlimited only counts.
type Limiter struct {
	rate   Rate
	bucket *rate.Limiter // nil when Unlimited
	served [numServices]atomic.Uint64
}

// New returns a Limiter of r bytes per second (Unlimited: no limit). Its
// burst is the larger of MinBurst and a tenth of r.
func New(r Rate) *Limiter {
	l := &Limiter{rate: r}
	if r != Unlimited {
		l.bucket = rate.NewLimiter(rate.Limit(r), burst(r))
	}
	return l
}

func burst(r Rate) int { return int(max(uint64(MinBurst), uint64(r)/10)) }

// Rate is the limit, Unlimited if none.
func (l *Limiter) Rate() Rate { return l.rate }

// Burst is the most one write sends before it waits for the bucket; 0 when
// Unlimited.
func (l *Limiter) Burst() int {
	if l.bucket == nil {
		return 0
	}
	return l.bucket.Burst()
}

// Served is the bytes s wrote to others through l.
func (l *Limiter) Served(s Service) uint64 { return l.served[s].Load() }

// Write writes p to w for s, at most a burst at a time, each after the
// bucket grants it. It stops at the first error: ctx's (context.Canceled,
// or context.DeadlineExceeded also for a wait that would pass its deadline)
// or w's.
func (l *Limiter) Write(ctx context.Context, s Service, w io.Writer, p []byte) (int, error) {
	if l.bucket == nil {
		n, err := w.Write(p)
		l.served[s].Add(uint64(n))
		return n, err
	}
	written := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), l.bucket.Burst())]
		if err := l.bucket.WaitN(ctx, len(chunk)); err != nil {
			if ctx.Err() != nil {
				return written, ctx.Err()
			}
			return written, context.DeadlineExceeded // the wait would pass ctx's deadline
		}
		n, err := w.Write(chunk)
		written += n
		l.served[s].Add(uint64(n))
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// Writer returns w limited by l for s; ctx bounds its waits.
func (l *Limiter) Writer(ctx context.Context, s Service, w io.Writer) io.Writer {
	return writer{ctx: ctx, l: l, s: s, w: w}
}

type writer struct {
	ctx context.Context
	l   *Limiter
	s   Service
	w   io.Writer
}

func (w writer) Write(p []byte) (int, error) { return w.l.Write(w.ctx, w.s, w.w, p) }

// deadlineContext is a context that ends at t, or never if t is zero.
func deadlineContext(t time.Time) (context.Context, context.CancelFunc) {
	if t.IsZero() {
		return context.Background(), func() {}
	}
	return context.WithDeadline(context.Background(), t)
}

package upload

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// recorder is a writer that keeps the size of each write.
type recorder struct {
	mu     sync.Mutex
	writes []int
	total  int
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, len(p))
	r.total += len(p)
	return len(p), nil
}

// atLeast is the least time sending n bytes through a full bucket of l can
// take: all but the first burst at l's rate. Only lower bounds are checked:
// a slow machine makes a transfer slower, never faster.
func atLeast(l *Limiter, n int) time.Duration {
	return time.Duration(float64(n-l.Burst()) / float64(l.Rate()) * float64(time.Second))
}

func TestWriteTakesItsTime(t *testing.T) {
	l := New(2 << 20)
	if l.Burst() != MinBurst {
		t.Fatalf("burst %d, want %d", l.Burst(), MinBurst)
	}
	n := MinBurst + 1<<20 // the burst, then half a second
	var rec recorder
	start := time.Now()
	got, err := l.Writer(context.Background(), Stream, &rec).Write(make([]byte, n))
	took := time.Since(start)
	if err != nil || got != n {
		t.Fatalf("Write = %d, %v; want %d", got, err, n)
	}
	if min := atLeast(l, n); took < min {
		t.Fatalf("%d bytes at %s took %s, expected at least %s", n, l.Rate(), took, min)
	}
	for _, w := range rec.writes {
		if w > l.Burst() {
			t.Fatalf("a write of %d bytes passed a burst of %d", w, l.Burst())
		}
	}
	if rec.total != n || l.Served(Stream) != uint64(n) || l.Served(Bitswap) != 0 {
		t.Fatalf("wrote %d, served stream %d bitswap %d; want %d, %d, 0", rec.total, l.Served(Stream), l.Served(Bitswap), n, n)
	}
}

func TestBucketIsShared(t *testing.T) {
	l := New(4 << 20)
	if want := (4 << 20) / 10; l.Burst() != want {
		t.Fatalf("burst %d, want a tenth of the rate, %d", l.Burst(), want)
	}
	const each = 1 << 20
	start := time.Now()
	var wg sync.WaitGroup
	for _, s := range Services {
		wg.Go(func() {
			var rec recorder
			if _, err := l.Write(context.Background(), s, &rec, make([]byte, each)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	if min := atLeast(l, each*len(Services)); took < min {
		t.Fatalf("%d services writing %d bytes each at %s took %s, expected at least %s", len(Services), each, l.Rate(), took, min)
	}
	for _, s := range Services {
		if l.Served(s) != each {
			t.Errorf("served %s: %d, want %d", s, l.Served(s), each)
		}
	}
}

func TestUnlimitedOnlyCounts(t *testing.T) {
	l := New(Unlimited)
	var rec recorder
	n := 64 << 20
	if _, err := l.Write(context.Background(), Gateway, &rec, make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	if len(rec.writes) != 1 || l.Served(Gateway) != uint64(n) || l.Burst() != 0 {
		t.Fatalf("writes %v, served %d, burst %d", rec.writes, l.Served(Gateway), l.Burst())
	}
}

func TestWaitEndsWithContext(t *testing.T) {
	l := New(MinRate) // the burst, then 10 s per MB
	var rec recorder
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	n, err := l.Write(ctx, Stream, &rec, make([]byte, 4<<20))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Write = %d, %v; want context.DeadlineExceeded", n, err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a wait past the deadline took %s to fail", took)
	}
	if n != MinBurst || l.Served(Stream) != MinBurst {
		t.Fatalf("wrote %d, served %d; want the burst, %d", n, l.Served(Stream), MinBurst)
	}
}

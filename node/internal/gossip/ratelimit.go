package gossip

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// sweepEvery is how often, at most, a full limiterSet looks for idle buckets.
const sweepEvery = time.Second

// limiterSet keeps one token bucket per key (a signer's did:key or a peer
// ID), at most maxKeys of them. A bucket that has refilled to its burst is idle:
// forgetting it changes nothing, so a full set forgets those first. If none
// is idle it forgets an arbitrary one, which can only give that key a fresh
// bucket: memory stays bounded whatever a flood of new keys does.
type limiterSet struct {
	limit   rate.Limit
	burst   int
	maxKeys int
	now     func() time.Time

	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	lastSweep time.Time
}

func newLimiterSet(limit rate.Limit, burst, maxKeys int) *limiterSet {
	return &limiterSet{limit: limit, burst: burst, maxKeys: maxKeys, now: time.Now, buckets: map[string]*rate.Limiter{}}
}

// ready reports whether key has a token, without spending it or tracking key.
func (s *limiterSet) ready(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[key]
	return !ok || b.TokensAt(s.now()) >= 1
}

// allow spends one of key's tokens, reporting false if it has none.
func (s *limiterSet) allow(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	b, ok := s.buckets[key]
	if !ok {
		s.makeRoom(now)
		b = rate.NewLimiter(s.limit, s.burst)
		s.buckets[key] = b
	}
	return b.AllowN(now, 1)
}

// makeRoom forgets buckets until one more fits.
func (s *limiterSet) makeRoom(now time.Time) {
	if len(s.buckets) < s.maxKeys {
		return
	}
	if now.Sub(s.lastSweep) >= sweepEvery {
		s.lastSweep = now
		for k, b := range s.buckets {
			if b.TokensAt(now) >= float64(s.burst) {
				delete(s.buckets, k)
			}
		}
	}
	for k := range s.buckets {
		if len(s.buckets) < s.maxKeys {
			break
		}
		delete(s.buckets, k)
	}
}

// len is the number of tracked keys.
func (s *limiterSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.buckets)
}

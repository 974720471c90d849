package gossip

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestLimiterSetBurstAndRefill(t *testing.T) {
	now := time.Unix(1000, 0)
	s := newLimiterSet(2, 3, 10) // 2/s, burst 3
	s.now = func() time.Time { return now }
	for i, want := range []bool{true, true, true, false} {
		if got := s.allow("k"); got != want {
			t.Fatalf("allow %d: %v, want %v", i, got, want)
		}
	}
	if s.ready("k") {
		t.Fatal("ready with an empty bucket")
	}
	now = now.Add(500 * time.Millisecond) // one token back
	if !s.ready("k") || !s.allow("k") || s.allow("k") {
		t.Fatal("refill is not one token per half second")
	}
	if !s.ready("other") || s.len() != 1 {
		t.Fatalf("ready tracked a new key: %d tracked", s.len())
	}
}

func TestLimiterSetStaysBounded(t *testing.T) {
	for _, tc := range []struct {
		name    string
		advance time.Duration // between keys
		keep    string        // a key expected to survive, if any
	}{
		{"all busy: arbitrary eviction", 0, ""},
		{"idle first: busy key survives", 2 * time.Second, "busy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Unix(1000, 0)
			s := newLimiterSet(rate.Limit(1), 2, 4)
			s.now = func() time.Time { return now }
			for i := range 1000 {
				if tc.keep != "" {
					s.allow(tc.keep) // keep it drained: never idle
					s.allow(tc.keep)
				}
				if !s.allow(fmt.Sprint("key", i)) {
					t.Fatalf("new key %d refused", i)
				}
				if s.len() > 4 {
					t.Fatalf("%d keys tracked, cap 4", s.len())
				}
				now = now.Add(tc.advance)
			}
			if _, ok := s.buckets[tc.keep]; tc.keep != "" && !ok {
				t.Errorf("%s was forgotten while busy", tc.keep)
			}
		})
	}
}

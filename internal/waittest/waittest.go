// Package waittest holds the one polling wait of the tests that watch
// goroutines or the network reach a state. Production code never imports it.
//
//	waittest.Until(t, 5*time.Second, "the follower to catch up", func() bool { return f.Head() == 3 })
package waittest

import (
	"testing"
	"time"
)

// tick is how often Until looks again.
const tick = 5 * time.Millisecond

// Until polls cond until it holds, failing the test, with what it was
// waiting for, once limit has passed.
func Until(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	tk := time.NewTicker(tick)
	defer tk.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v still waiting for %s", limit, what)
		}
		<-tk.C
	}
}

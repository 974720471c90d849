package logsync

import "testing"

// TestFollowerSchedulesOneWorkerPerLog: workers take different logs; news of
// a log being caught up waits until that catch-up is done, and done wakes a
// worker for it.
func TestFollowerSchedulesOneWorkerPerLog(t *testing.T) {
	f := NewFollower(FollowerConfig{Workers: 2})
	queue := func(signer string, seq uint64) {
		f.mu.Lock()
		f.pending[signer] = News{Signer: signer, Seq: seq}
		f.mu.Unlock()
	}
	woken := func() bool {
		select {
		case <-f.wake:
			return true
		default:
			return false
		}
	}

	queue("a", 1)
	queue("b", 1)
	n1, ok1 := f.next()
	n2, ok2 := f.next()
	if !ok1 || !ok2 || n1.Signer == n2.Signer {
		t.Fatalf("two workers got %+v, %v and %+v, %v; want both logs", n1, ok1, n2, ok2)
	}
	if n, ok := f.next(); ok {
		t.Fatalf("a third worker got %+v with nothing queued", n)
	}
	queue(n1.Signer, 2) // news while n1's log is being caught up
	if n, ok := f.next(); ok {
		t.Fatalf("a third worker got %+v while both logs are busy", n)
	}
	f.done(n2.Signer)
	if woken() {
		t.Error("done woke a worker with no news of its log waiting")
	}
	f.done(n1.Signer)
	if !woken() {
		t.Error("done did not wake a worker for the news that waited")
	}
	if n, ok := f.next(); !ok || n.Signer != n1.Signer || n.Seq != 2 {
		t.Fatalf("after done: %+v, %v; want %s's head 2", n, ok, n1.Signer)
	}
	if n, ok := f.next(); ok {
		t.Fatalf("after the waiting news was taken, a worker got %+v", n)
	}
}

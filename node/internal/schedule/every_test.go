package schedule_test

import (
	"context"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/node/internal/schedule"
)

func TestEveryRunsFirstThenOnWakeUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan time.Time, 10)
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// An interval far beyond the test: only the first call and wakes run fn.
		schedule.Every(ctx, 0, time.Hour, wake, func(context.Context) { calls <- time.Now() })
	}()
	waitCall := func(what string) {
		t.Helper()
		select {
		case <-calls:
		case <-time.After(5 * time.Second):
			t.Fatalf("no call %s", what)
		}
	}
	waitCall("after first = 0")
	wake <- struct{}{}
	waitCall("after a wake")
	select {
	case <-calls:
		t.Fatal("a call without a wake, long before the interval")
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Every did not return when ctx ended")
	}
}

func TestEveryRepeatsAtInterval(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := make(chan struct{}, 10)
	go schedule.Every(ctx, 0, time.Millisecond, nil, func(context.Context) { n <- struct{}{} })
	for i := range 3 {
		select {
		case <-n:
		case <-time.After(5 * time.Second):
			t.Fatalf("call %d did not come", i+1)
		}
	}
}

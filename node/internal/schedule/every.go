// Package schedule runs a daemon's periodic work: reproviding, counting the
// store, a mirror's passes.
//
//	go schedule.Every(ctx, 5*time.Second, 12*time.Hour, nil, d.provideAll)
package schedule

import (
	"context"
	"time"
)

// Every calls fn once first has passed, then again interval after each
// call returns, and at once whenever wake delivers (a nil wake never does),
// until ctx ends. Calls never overlap. It returns when ctx ends.
func Every(ctx context.Context, first, interval time.Duration, wake <-chan struct{}, fn func(context.Context)) {
	t := time.NewTimer(first)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
		case <-t.C:
		}
		fn(ctx)
		t.Reset(interval)
	}
}

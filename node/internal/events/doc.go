// Package events is how the parts of a Cairn node tell each other what
// happened without holding each other: the repo emits typed events (a
// package committed, a local log grown, the policy or the mirror rules
// changed, a verdict reached) on a Bus, and the daemon's components (the
// announcer, the follower, the mirror, the metrics) subscribe to the ones
// they act on. go-libp2p's host does the same with its event.Bus.
//
//	bus := events.NewBus()
//	cancel := bus.Subscribe(func(e events.Event) {
//		if p, ok := e.(events.Published); ok {
//			provide(p.Root)
//		}
//	})
//	defer cancel()
//	bus.Emit(events.Published{Root: c})
//
// Subscribers are called synchronously, in the emitter's goroutine, in the
// order they subscribed: they must not block (poke a channel, start a
// goroutine they own). docs/architecture.md lists who emits and who listens.
package events

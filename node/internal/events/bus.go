package events

import "sync"

// Sink takes events. The repo and the components emit into one; tests pass
// a Recorder.
type Sink interface{ Emit(Event) }

// Bus is a Sink that hands every event to its subscribers. The zero Bus is
// not usable; NewBus makes one. It is safe for concurrent use.
type Bus struct {
	mu   sync.RWMutex
	subs []*subscription
}

type subscription struct{ fn func(Event) }

var _ Sink = (*Bus)(nil)

// NewBus returns a Bus with no subscribers.
func NewBus() *Bus { return &Bus{} }

// Emit calls every subscriber with e, in the order they subscribed.
func (b *Bus) Emit(e Event) {
	b.mu.RLock()
	subs := b.subs
	b.mu.RUnlock()
	for _, s := range subs {
		s.fn(e)
	}
}

// Subscribe calls fn with every event emitted from now until cancel is
// called. fn must not block. cancel is idempotent; once it returns, fn is
// not called again by an Emit that starts after it.
func (b *Bus) Subscribe(fn func(Event)) (cancel func()) {
	s := &subscription{fn: fn}
	b.mu.Lock()
	b.subs = append(b.subs[:len(b.subs):len(b.subs)], s) // copy on write: Emit reads without the lock
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		out := make([]*subscription, 0, len(b.subs))
		for _, o := range b.subs {
			if o != s {
				out = append(out, o)
			}
		}
		b.subs = out
	}
}

// Discard is a Sink that drops every event.
var Discard Sink = discard{}

type discard struct{}

func (discard) Emit(Event) {}

// Recorder is a Sink that keeps what it is given, for tests.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Emit keeps e.
func (r *Recorder) Emit(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// Events returns what was emitted so far, oldest first.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Subscriber is what a component that listens needs of a Bus.
type Subscriber interface {
	Subscribe(fn func(Event)) (cancel func())
}

var _ Subscriber = (*Bus)(nil)

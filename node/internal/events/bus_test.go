package events_test

import (
	"reflect"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/sign"
)

func TestBusDeliversInOrderUntilCancelled(t *testing.T) {
	bus := events.NewBus()
	var a, b []events.Event
	cancelA := bus.Subscribe(func(e events.Event) { a = append(a, e) })
	bus.Subscribe(func(e events.Event) { b = append(b, e) })

	first := events.Published{Root: cid.Undef}
	second := events.Verified{Status: sign.Valid}
	bus.Emit(first)
	cancelA()
	cancelA() // idempotent
	bus.Emit(second)

	if want := []events.Event{first}; !reflect.DeepEqual(a, want) {
		t.Errorf("cancelled subscriber got %v, want %v", a, want)
	}
	if want := []events.Event{first, second}; !reflect.DeepEqual(b, want) {
		t.Errorf("subscriber got %v, want %v", b, want)
	}
}

func TestSubscribeDuringEmit(t *testing.T) {
	bus := events.NewBus()
	late := 0
	bus.Subscribe(func(events.Event) {
		bus.Subscribe(func(events.Event) { late++ })
	})
	bus.Emit(events.PolicyChanged{}) // adds a subscriber; must not deadlock
	if late != 0 {
		t.Fatalf("a subscriber added during Emit got that event")
	}
	bus.Emit(events.PolicyChanged{})
	if late != 1 {
		t.Fatalf("late subscriber called %d times, want 1", late)
	}
}

func TestRecorder(t *testing.T) {
	var r events.Recorder
	r.Emit(events.MirrorsChanged{})
	r.Emit(events.PolicyChanged{})
	got := r.Events()
	if len(got) != 2 || got[0] != (events.MirrorsChanged{}) || got[1] != (events.PolicyChanged{}) {
		t.Fatalf("Events() = %v", got)
	}
}

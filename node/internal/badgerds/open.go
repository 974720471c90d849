package badgerds

import "sync"

// openSet tracks what a Datastore handed out and that still holds badger
// resources: query iterators and transactions. Badger crashes
// (it does not return an error) when an iterator or transaction is used after
// the database closed, and it panics when a transaction is discarded with an
// iterator still open, so Close must end each of them first.
type openSet struct {
	mu   sync.Mutex
	next uint64
	m    map[uint64]func()
}

// add registers abort, to be called once if the datastore closes while the
// resource is still open, and returns the id that remove takes.
func (s *openSet) add(abort func()) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[uint64]func())
	}
	s.next++
	s.m[s.next] = abort
	return s.next
}

// remove forgets the resource id; it is a no-op for an unknown id.
func (s *openSet) remove(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// abortAll empties the set and calls every abort function. The set's lock is
// not held during the calls, so they may call remove.
func (s *openSet) abortAll() {
	s.mu.Lock()
	m := s.m
	s.m = nil
	s.mu.Unlock()
	for _, abort := range m {
		abort()
	}
}

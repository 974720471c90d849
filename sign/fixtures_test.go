package sign

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/ipfs/go-cid"
)

// testKey returns a deterministic key made from a seed of 32 copies of b.
func testKey(t testing.TB, b byte) *Key {
	t.Helper()
	k, err := KeyFromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// memSource is an in-memory Source for tests. It stores whatever it is given, even
// bytes that do not match their CID, so tests can play an attacker.
type memSource struct {
	mu     sync.Mutex
	blocks map[cid.Cid][]byte
	refs   map[cid.Cid][]cid.Cid
}

var _ Source = (*memSource)(nil)

// newMemSource returns an empty memSource.
func newMemSource() *memSource {
	return &memSource{blocks: map[cid.Cid][]byte{}, refs: map[cid.Cid][]cid.Cid{}}
}

// Put stores data under c, unchecked.
func (m *memSource) Put(c cid.Cid, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blocks[c] = data
}

// AddReferrer records that ref names subject as its subject.
func (m *memSource) AddReferrer(subject, ref cid.Cid) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refs[subject] = append(m.refs[subject], ref)
}

// Block implements Source.
func (m *memSource) Block(_ context.Context, c cid.Cid) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blocks[c]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, c)
	}
	return b, nil
}

// Referrers implements Source.
func (m *memSource) Referrers(_ context.Context, c cid.Cid) ([]cid.Cid, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]cid.Cid(nil), m.refs[c]...), nil
}

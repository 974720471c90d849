// Package signtest holds test fixtures for signing and verification: keys
// made from fixed seeds and an in-memory Source that stores whatever it is
// given, even bytes that do not match their CID, so tests can play an
// attacker. Production code never imports it.
//
//	k := signtest.Key(t, 1)
//	src := signtest.NewMemSource()
package signtest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/sign"
)

// Key returns a deterministic key made from a seed of 32 copies of b.
func Key(t testing.TB, b byte) *sign.Key {
	t.Helper()
	k, err := sign.KeyFromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// MemSource is an in-memory Source for tests. It stores whatever it is given, even
// bytes that do not match their CID, so tests can play an attacker.
type MemSource struct {
	mu     sync.Mutex
	blocks map[cid.Cid][]byte
	refs   map[cid.Cid][]cid.Cid
}

var _ sign.Source = (*MemSource)(nil)

// NewMemSource returns an empty MemSource.
func NewMemSource() *MemSource {
	return &MemSource{blocks: map[cid.Cid][]byte{}, refs: map[cid.Cid][]cid.Cid{}}
}

// Put stores data under c, unchecked.
func (m *MemSource) Put(c cid.Cid, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blocks[c] = data
}

// AddReferrer records that ref names subject as its subject.
func (m *MemSource) AddReferrer(subject, ref cid.Cid) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refs[subject] = append(m.refs[subject], ref)
}

// Block implements sign.Source.
func (m *MemSource) Block(_ context.Context, c cid.Cid) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blocks[c]
	if !ok {
		return nil, fmt.Errorf("%w: %s", sign.ErrNotFound, c)
	}
	return b, nil
}

// Referrers implements sign.Source.
func (m *MemSource) Referrers(_ context.Context, c cid.Cid) ([]cid.Cid, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]cid.Cid(nil), m.refs[c]...), nil
}

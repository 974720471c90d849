package sign

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
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

// memSource is an in-memory LogSource for tests. It stores whatever it is
// given, even bytes that do not match their CID, so tests can play an
// attacker. Every signature counts as logged by its signer unless Unlog
// says otherwise; it holds no proofs of equivocation.
type memSource struct {
	mu       sync.Mutex
	blocks   map[cid.Cid][]byte
	refs     map[cid.Cid][]cid.Cid
	unlogged map[cid.Cid]bool
	revoked  map[cid.Cid]bool
}

var _ LogSource = (*memSource)(nil)

// newMemSource returns an empty memSource.
func newMemSource() *memSource {
	return &memSource{blocks: map[cid.Cid][]byte{}, refs: map[cid.Cid][]cid.Cid{}, unlogged: map[cid.Cid]bool{}, revoked: map[cid.Cid]bool{}}
}

// Unlog makes signature sig not named by its signer's log.
func (m *memSource) Unlog(sig cid.Cid) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.unlogged[sig] = true
}

// Logged implements LogSource.
func (m *memSource) Logged(_ context.Context, _ string, _, sig cid.Cid) (LogState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.unlogged[sig]:
		return NotLogged, nil
	case m.revoked[sig]:
		return Revoked, nil
	}
	return Logged, nil
}

// Revoke makes signature sig named only by entries after its key's
// revocation.
func (m *memSource) Revoke(sig cid.Cid) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.revoked[sig] = true
}

// Disputes implements LogSource: no proofs.
func (m *memSource) Disputes(context.Context, *Policy, dag.Name, string) (_, _ []Equivocation, _ error) {
	return nil, nil, nil
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

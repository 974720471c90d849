package heads

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/p2p/p2ptest"
)

// Fixed signers: the W3C did:key Ed25519 test vector and a secp256k1 key.
const (
	signerEd  = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
	signerSec = "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"
)

// entryCID returns a CIDv1 dag-cbor sha2-256 of s, as a log entry's would be.
func entryCID(t testing.TB, s string) cid.Cid {
	t.Helper()
	c, err := dag.Prefix.Sum([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testHead returns a valid head for signer number i (signers sort as i does).
func testHead(t testing.TB, i int, seq uint64) Head {
	t.Helper()
	s := fmt.Sprintf("did:key:z6Mk%06d", i)
	return Head{Signer: s, Seq: seq, CID: entryCID(t, fmt.Sprintf("%s#%d", s, seq))}
}

func newHost(t *testing.T) host.Host { return p2ptest.Host(t) }

// connect connects a to b and returns once the connection is up.
func connect(t *testing.T, a, b host.Host) { p2ptest.Connect(t, a, b) }

// source is a Source whose heads a test changes.
type source struct {
	mu    sync.Mutex
	heads []Head
}

func (s *source) set(hs ...Head) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heads = hs
}

func (s *source) get(context.Context) ([]Head, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heads, nil
}

// sink records what each peer was last seen to hold, and how many times it
// was called for each peer.
type sink struct {
	mu    sync.Mutex
	heads map[peer.ID][]Head
	calls map[peer.ID]int
	ch    chan struct{} // one token per call, never blocking
}

func newSink() *sink {
	return &sink{heads: map[peer.ID][]Head{}, calls: map[peer.ID]int{}, ch: make(chan struct{}, 1024)}
}

func (s *sink) put(p peer.ID, hs []Head) {
	s.mu.Lock()
	s.heads[p] = hs
	s.calls[p]++
	s.mu.Unlock()
	select {
	case s.ch <- struct{}{}:
	default:
	}
}

func (s *sink) count(p peer.ID) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[p]
}

// waitFor waits, at most 10 s, for cond to hold on s's latest heads from p;
// it wakes on each Sink call rather than on a timer.
func (s *sink) waitFor(t *testing.T, p peer.ID, what string, cond func([]Head) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		hs, ok := s.heads[p]
		s.mu.Unlock()
		if ok && cond(hs) {
			return
		}
		select {
		case <-s.ch:
		case <-deadline:
			t.Fatalf("after 10 s, %s: have %v (seen: %v)", what, hs, ok)
		}
	}
}

func equalHeads(a, b []Head) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Signer != b[i].Signer || a[i].Seq != b[i].Seq || !a[i].CID.Equals(b[i].CID) {
			return false
		}
	}
	return true
}

package gossip

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag"
)

const (
	self   = peer.ID("self")
	remote = peer.ID("remote")
)

// newValidator returns a Gossip with no router: only its validator works.
func newValidator(cfg Config) *Gossip {
	return newGossip(self, cfg.withDefaults())
}

func message(data []byte) *pubsub.Message {
	return &pubsub.Message{Message: &pb.Message{Data: data}}
}

func TestValidateOutcomes(t *testing.T) {
	heard := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	knownFive := func(string) (uint64, time.Time) { return 5, heard }
	now := time.Now()
	future := announcementAt(t, 1, 6, now.Add(MaxSkew+time.Minute), now.Add(24*time.Hour))
	skewed := announcementAt(t, 1, 6, now.Add(MaxSkew-time.Minute), now.Add(24*time.Hour))
	expired := announcementAt(t, 1, 6, now.Add(-25*time.Hour), now.Add(-time.Hour))
	again := announcementAt(t, 1, 5, now, now.Add(24*time.Hour))
	sameTime := announcementAt(t, 1, 5, heard, now.Add(24*time.Hour))
	rev, _ := signedRevocation(t, 1, 3, now)
	futureRev, _ := signedRevocation(t, 1, 3, now.Add(MaxSkew+time.Minute))
	r, err := dag.DecodeRevocation(rev)
	if err != nil {
		t.Fatal(err)
	}
	r.Sig[0] ^= 1
	badRev, _, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	badSig := announcement(t, 1, 6)
	badSig.Sig = bytes.Clone(badSig.Sig)
	badSig.Sig[0] ^= 1
	otherSigner := announcement(t, 1, 6)
	otherSigner.Signer = did(t, 2)

	for _, tc := range []struct {
		name  string
		from  peer.ID
		known func(string) (uint64, time.Time)
		data  []byte
		want  pubsub.ValidationResult
		err   error
		stats Stats
	}{
		{"fresh", remote, knownFive, encode(t, announcement(t, 1, 6)), pubsub.ValidationAccept, nil, Stats{Accepted: 1}},
		{"nothing known", remote, nil, encode(t, announcement(t, 1, 1)), pubsub.ValidationAccept, nil, Stats{Accepted: 1}},
		{"garbage", remote, nil, []byte("not cbor"), pubsub.ValidationReject, ErrMalformed, Stats{Malformed: 1}},
		{"empty", remote, nil, nil, pubsub.ValidationReject, ErrMalformed, Stats{Malformed: 1}},
		{"oversized", remote, nil, make([]byte, dag.MaxAnnouncementSize+1), pubsub.ValidationReject, ErrMalformed, Stats{Malformed: 1}},
		{"truncated", remote, nil, encode(t, announcement(t, 1, 1))[:40], pubsub.ValidationReject, ErrMalformed, Stats{Malformed: 1}},
		{"bad signature", remote, nil, encode(t, badSig), pubsub.ValidationReject, ErrBadSignature, Stats{BadSignature: 1}},
		{"signed by another key", remote, nil, encode(t, otherSigner), pubsub.ValidationReject, ErrBadSignature, Stats{BadSignature: 1}},
		{"stale", remote, knownFive, encode(t, announcement(t, 1, 3)), pubsub.ValidationIgnore, ErrStale, Stats{Stale: 1}},
		{"own, below known", self, knownFive, encode(t, announcement(t, 1, 3)), pubsub.ValidationAccept, nil, Stats{}},
		{"own, bad signature", self, nil, encode(t, badSig), pubsub.ValidationReject, ErrBadSignature, Stats{}},
		{"dated in the future", remote, nil, encode(t, future), pubsub.ValidationIgnore, ErrFuture, Stats{Stale: 1}},
		{"own, dated in the future", self, nil, encode(t, future), pubsub.ValidationIgnore, ErrFuture, Stats{}},
		{"within the skew", remote, nil, encode(t, skewed), pubsub.ValidationAccept, nil, Stats{Accepted: 1}},
		{"expired", remote, nil, encode(t, expired), pubsub.ValidationIgnore, ErrStale, Stats{Stale: 1}},
		{"known seq, newer statement", remote, knownFive, encode(t, again), pubsub.ValidationAccept, nil, Stats{Accepted: 1}},
		{"known seq, statement held", remote, knownFive, encode(t, sameTime), pubsub.ValidationIgnore, ErrStale, Stats{Stale: 1}},
		{"revocation", remote, nil, rev, pubsub.ValidationAccept, nil, Stats{Accepted: 1}},
		{"revocation dated in the future", remote, nil, futureRev, pubsub.ValidationIgnore, ErrFuture, Stats{Stale: 1}},
		{"revocation, bad signature", remote, nil, badRev, pubsub.ValidationReject, ErrBadSignature, Stats{BadSignature: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newValidator(Config{Known: tc.known})
			msg := message(tc.data)
			if got := g.validate(context.Background(), tc.from, msg); got != tc.want {
				t.Fatalf("result %v, want %v", got, tc.want)
			}
			if got := g.Stats(); got != tc.stats {
				t.Errorf("stats %+v, want %+v", got, tc.stats)
			}
			_, err := g.check(tc.from, tc.data, tc.from == self)
			if tc.err == nil {
				if msg.ValidatorData == nil {
					t.Error("accepted without ValidatorData")
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("check: %v, want %v", err, tc.err)
			}
		})
	}
}

// TestValidateRateLimits sends a run of messages through one validator and
// counts what passes.
func TestValidateRateLimits(t *testing.T) {
	forged := func(k byte, seq uint64) []byte {
		a := announcement(t, k, seq)
		a.Sig = bytes.Clone(a.Sig)
		a.Sig[0] ^= 1
		return encode(t, a)
	}
	for _, tc := range []struct {
		name     string
		cfg      Config
		msgs     func(i int) (peer.ID, []byte)
		n        int
		accepted int
		limited  int
	}{{
		name: "one key from many peers: key burst",
		cfg:  Config{KeyBurst: 3, KeyRate: 1e-9},
		msgs: func(i int) (peer.ID, []byte) {
			return peer.ID(rune('a' + i)), encode(t, announcement(t, 1, uint64(i+1)))
		},
		n: 10, accepted: 3, limited: 7,
	}, {
		name: "many keys from one peer: peer burst",
		cfg:  Config{PeerBurst: 4, PeerRate: 1e-9},
		msgs: func(i int) (peer.ID, []byte) { return remote, encode(t, announcement(t, byte(i+1), 1)) },
		n:    10, accepted: 4, limited: 6,
	}, {
		name: "own publishes skip the peer limit",
		cfg:  Config{PeerBurst: 1, PeerRate: 1e-9},
		msgs: func(i int) (peer.ID, []byte) { return self, encode(t, announcement(t, byte(i+1), 1)) },
		n:    5, accepted: 5, limited: 0,
	}, {
		name: "own publishes spend the key limit",
		cfg:  Config{KeyBurst: 2, KeyRate: 1e-9},
		msgs: func(i int) (peer.ID, []byte) { return self, encode(t, announcement(t, 1, uint64(i+1))) },
		n:    5, accepted: 2, limited: 3,
	}, {
		name: "forgeries do not spend the key's tokens",
		cfg:  Config{KeyBurst: 2, KeyRate: 1e-9},
		msgs: func(i int) (peer.ID, []byte) {
			if i < 8 {
				return peer.ID(rune('a' + i)), forged(1, uint64(i+1))
			}
			return remote, encode(t, announcement(t, 1, uint64(i+1)))
		},
		n: 10, accepted: 2, limited: 0,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g := newValidator(tc.cfg)
			accepted, limited := 0, 0
			for i := range tc.n {
				from, data := tc.msgs(i)
				_, err := g.check(from, data, from == self)
				switch {
				case err == nil:
					accepted++
				case errors.Is(err, ErrRateLimited):
					limited++
				case errors.Is(err, ErrBadSignature):
				default:
					t.Fatalf("message %d: %v", i, err)
				}
			}
			if accepted != tc.accepted || limited != tc.limited {
				t.Errorf("accepted %d, limited %d; want %d, %d", accepted, limited, tc.accepted, tc.limited)
			}
		})
	}
}

package upload

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// Stream returns s with its writes limited by l and counted for svc; reads
// pass through. A write that would have to wait past the stream's write
// deadline fails at once with os.ErrDeadlineExceeded, as the stream's own
// write would when the deadline came.
func (l *Limiter) Stream(s network.Stream, svc Service) network.Stream {
	return &stream{Stream: s, l: l, svc: svc}
}

type stream struct {
	network.Stream
	l        *Limiter
	svc      Service
	deadline atomic.Int64 // the write deadline in Unix nanoseconds; 0 none
}

func (s *stream) SetDeadline(t time.Time) error {
	s.setWriteDeadline(t)
	return s.Stream.SetDeadline(t)
}

func (s *stream) SetWriteDeadline(t time.Time) error {
	s.setWriteDeadline(t)
	return s.Stream.SetWriteDeadline(t)
}

func (s *stream) setWriteDeadline(t time.Time) {
	if t.IsZero() {
		s.deadline.Store(0)
		return
	}
	s.deadline.Store(t.UnixNano())
}

func (s *stream) Write(p []byte) (int, error) {
	var t time.Time
	if d := s.deadline.Load(); d != 0 {
		t = time.Unix(0, d)
	}
	ctx, cancel := deadlineContext(t)
	defer cancel()
	n, err := s.l.Write(ctx, s.svc, s.Stream, p)
	if errors.Is(err, context.DeadlineExceeded) { // the bucket's, not the stream's
		err = os.ErrDeadlineExceeded
	}
	return n, err
}

// Host returns h with every stream it opens (NewStream) or accepts (through
// the handlers set on it) limited by l and counted for svc. Hand it to one
// protocol's server: bitswap's network (whose messages, blocks included, go
// out on streams it opens) or the whole-DAG stream's handler.
func Host(h host.Host, l *Limiter, svc Service) host.Host {
	return &limitedHost{Host: h, l: l, svc: svc}
}

type limitedHost struct {
	host.Host
	l   *Limiter
	svc Service
}

func (h *limitedHost) NewStream(ctx context.Context, p peer.ID, pids ...protocol.ID) (network.Stream, error) {
	s, err := h.Host.NewStream(ctx, p, pids...)
	if err != nil {
		return nil, err
	}
	return h.l.Stream(s, h.svc), nil
}

func (h *limitedHost) SetStreamHandler(pid protocol.ID, handler network.StreamHandler) {
	h.Host.SetStreamHandler(pid, h.wrap(handler))
}

func (h *limitedHost) SetStreamHandlerMatch(pid protocol.ID, match func(protocol.ID) bool, handler network.StreamHandler) {
	h.Host.SetStreamHandlerMatch(pid, match, h.wrap(handler))
}

func (h *limitedHost) wrap(handler network.StreamHandler) network.StreamHandler {
	return func(s network.Stream) { handler(h.l.Stream(s, h.svc)) }
}

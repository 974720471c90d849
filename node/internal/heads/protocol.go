package heads

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/cairnpkg/cairn/node/internal/frame"
)

// ID is the protocol ID of the head exchange: two peers tell each other the
// heads of the publisher logs they hold.
const ID protocol.ID = "/cairn/heads/1.0.0"

// StreamTimeout bounds a whole exchange, on both sides.
const StreamTimeout = 10 * time.Second

// Source returns the heads this node holds, at most MaxHeads of them.
type Source func(ctx context.Context) ([]Head, error)

// Sink is told which heads peer p holds. The heads are valid and sorted by
// signer, but only hints: the receiver fetches and verifies the entries they
// name. A Sink is called from many goroutines at once and should return
// quickly (queue the work, do not fetch inline).
type Sink func(p peer.ID, heads []Head)

// Serve answers head exchanges on h until ctx ends: for each asker, it reads the asker's
// heads, answers with src's, then tells sink what the asker holds. A message
// that breaks the rules gets the stream reset and never reaches sink. A nil
// src answers no heads; a nil sink drops what askers hold. t (nil: none)
// counts the bytes.
func Serve(ctx context.Context, h host.Host, src Source, sink Sink, t *Traffic) {
	h.SetStreamHandler(ID, frame.Handler(ctx, func(ctx context.Context, s network.Stream) error { return serve(ctx, s, src, sink, t) }))
}

func serve(ctx context.Context, s network.Stream, src Source, sink Sink, t *Traffic) error {
	if err := s.SetDeadline(time.Now().Add(StreamTimeout)); err != nil {
		return err
	}
	theirs, err := readHeads(t.reader(s))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, StreamTimeout)
	defer cancel()
	msg, err := ourHeads(ctx, src)
	if err == nil {
		err = frame.Write(t.writer(s), msg)
	}
	// The asker's heads are good whether or not our answer got through.
	if sink != nil {
		sink(s.Conn().RemotePeer(), theirs)
	}
	return err
}

// Exchange sends src's heads to peer p and returns the heads p holds, within
// StreamTimeout or ctx, whichever ends first. The caller hands them to its
// Sink; p's server hands ours to its own. t (nil: none) counts the bytes.
func Exchange(ctx context.Context, h host.Host, p peer.ID, src Source, t *Traffic) (heads []Head, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("heads from %s: %w", p, err)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, StreamTimeout)
	defer cancel()
	msg, err := ourHeads(ctx, src)
	if err != nil {
		return nil, err
	}
	s, err := h.NewStream(ctx, p, ID)
	if err != nil {
		return nil, err
	}
	// Reset at once when ctx ends (a closing Syncer), not at the deadline.
	stop := context.AfterFunc(ctx, func() { s.Reset() })
	defer func() {
		stop()
		if err != nil {
			s.Reset()
		} else {
			s.Close()
		}
	}()
	if dl, ok := ctx.Deadline(); ok {
		if err := s.SetDeadline(dl); err != nil {
			return nil, err
		}
	}
	if err := frame.Write(t.writer(s), msg); err != nil {
		return nil, err
	}
	if err := s.CloseWrite(); err != nil {
		return nil, err
	}
	return readHeads(t.reader(s))
}

// ourHeads returns src's heads, encoded.
func ourHeads(ctx context.Context, src Source) ([]byte, error) {
	var hs []Head
	if src != nil {
		var err error
		if hs, err = src(ctx); err != nil {
			return nil, fmt.Errorf("heads: source: %w", err)
		}
	}
	return encodeHeads(hs)
}

// readHeads reads and decodes one message, reading at most one frame of
// MaxMessageSize bytes and its length.
func readHeads(r io.Reader) ([]Head, error) {
	data, err := frame.Read(bufio.NewReader(io.LimitReader(r, MaxMessageSize+binary.MaxVarintLen64)), MaxMessageSize)
	if errors.Is(err, frame.ErrTooLarge) {
		return nil, fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	if err != nil {
		return nil, fmt.Errorf("heads: %w", err)
	}
	return decodeHeads(data)
}

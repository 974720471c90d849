// Package frame is the framing of Cairn's stream protocols: an unsigned
// varint length, then that many bytes (docs/protocols.md). Reads are bounded:
// a frame longer than the reader's limit is refused before anything is
// allocated for it. EncodeMap writes the DAG-CBOR map a request or an answer
// carries.
//
//	err := frame.Write(s, req)
//	resp, err := frame.Read(bufio.NewReader(s), 1<<20)
package frame

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/libp2p/go-libp2p/core/network"
)

// ErrTooLarge: a frame whose length is above the reader's limit.
var ErrTooLarge = errors.New("frame too large")

// Write writes len(data) as an unsigned varint, then data.
func Write(w io.Writer, data []byte) error {
	var hdr [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(hdr[:], uint64(len(data)))
	if _, err := w.Write(hdr[:n]); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// Read reads one frame of at most limit bytes into a new buffer.
func Read(r *bufio.Reader, limit int) ([]byte, error) {
	n, err := ReadLen(r, limit)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("frame: %w", err)
	}
	return buf, nil
}

// ReadLen reads the length of the next frame, at most limit bytes, and
// leaves its bytes to the caller.
func ReadLen(r *bufio.Reader, limit int) (int, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, fmt.Errorf("frame length: %w", err)
	}
	if n > uint64(limit) {
		return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, n, limit)
	}
	return int(n), nil
}

// Handler turns serve into a stream handler that closes the stream when serve
// succeeds and resets it when serve fails, so the peer can tell the two apart.
// serve gets ctx, the server's: once it ends (the daemon stops), handlers
// stop their work and new streams are reset at once.
func Handler(ctx context.Context, serve func(context.Context, network.Stream) error) network.StreamHandler {
	return func(s network.Stream) {
		if ctx.Err() != nil {
			s.Reset()
			return
		}
		if err := serve(ctx, s); err != nil {
			s.Reset()
			return
		}
		s.Close()
	}
}

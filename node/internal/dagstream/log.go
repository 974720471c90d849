package dagstream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	"github.com/ipld/go-ipld-prime/node/basicnode"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	msmux "github.com/multiformats/go-multistream"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/frame"
)

// LogID is the protocol ID of the publisher-log transfer: a run of one
// signer's log entries, newest first, in one stream (docs/protocols.md §7).
const LogID protocol.ID = "/cairn/log/1.0.0"

// Limits of the log protocol.
const (
	// MaxLogEntries bounds the entries one request asks for.
	MaxLogEntries = 4096
	// MaxLogBytes bounds the entries' bytes in one answer: a server stops
	// before it would send more, an asker refuses more.
	MaxLogBytes = 16 << 20
	// maxLogRequestSize bounds a request frame's payload.
	maxLogRequestSize = 1024
	// maxSignerSize bounds the signer in a request (a did:key).
	maxSignerSize = 256
)

// LogIndex is what a log server answers from: the CID of entry seq of
// signer's log, as the repo holds it.
type LogIndex interface {
	LogEntry(ctx context.Context, signer string, seq uint64) (cid.Cid, error)
}

// ServeLog answers publisher-log requests on h from idx and bs until ctx
// ends, calling served (if not nil) with the entries each answer sent. The
// answer ends early, with the end frame, at the first entry idx or bs does
// not have, and before MaxLogBytes. As with Serve, bs need not check
// blocks: the asker checks every one.
func ServeLog(ctx context.Context, h host.Host, idx LogIndex, bs Blockstore, served func(entries int)) {
	if served == nil {
		served = func(int) {}
	}
	h.SetStreamHandler(LogID, frame.Handler(ctx, func(ctx context.Context, s network.Stream) error {
		n, err := serveLog(ctx, s, idx, bs)
		served(n)
		return err
	}))
}

// serveLog answers one request and returns how many entries it sent.
func serveLog(ctx context.Context, s network.Stream, idx LogIndex, bs Blockstore) (int, error) {
	if err := s.SetDeadline(time.Now().Add(IdleTimeout)); err != nil {
		return 0, err
	}
	br := bufio.NewReader(io.LimitReader(s, maxLogRequestSize+binary.MaxVarintLen64))
	req, err := readFrame(br, maxLogRequestSize)
	if err != nil {
		return 0, err
	}
	signer, from, count, err := decodeLogRequest(req)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(s, bufSize)
	sent, n := 0, 0
	for seq := from; seq >= 1 && from-seq < count; seq-- {
		c, err := idx.LogEntry(ctx, signer, seq)
		if err != nil {
			break // the log held here ends (or is unreadable) here
		}
		b, err := bs.Get(ctx, c)
		if err != nil {
			break
		}
		if sent += len(b.RawData()); sent > MaxLogBytes {
			break
		}
		if err := s.SetDeadline(time.Now().Add(IdleTimeout)); err != nil {
			return n, err
		}
		if err := writeBlock(bw, c, b.RawData()); err != nil {
			return n, err
		}
		n++
	}
	if err := frame.Write(bw, nil); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// FetchLog asks peer p for entries from, from-1, ... of signer's log, at
// most count (MaxLogEntries), and hands each to put once it hashes to its
// CID. It does not check that they are log entries or that they chain: the
// caller's walk does (logs.Walk), and uses a block only where the chain it
// checks names its CID. The answer may end early (the peer's log is
// shorter, or MaxLogBytes was reached); what was put is good.
func FetchLog(ctx context.Context, h host.Host, p peer.ID, signer string, from, count uint64, put func(c cid.Cid, data []byte)) error {
	if count > MaxLogEntries {
		count = MaxLogEntries
	}
	req, err := encodeLogRequest(signer, from, count)
	if err != nil {
		return err
	}
	return ask(ctx, h, p, LogID, req, func(s network.Stream, br *bufio.Reader) error {
		return receiveLog(ctx, s, br, count, put)
	})
}

// receiveLog reads and checks the entries of a log answer until its end.
func receiveLog(ctx context.Context, s network.Stream, br *bufio.Reader, count uint64, put func(c cid.Cid, data []byte)) error {
	var n, size uint64
	for {
		if err := s.SetReadDeadline(time.Now().Add(IdleTimeout)); err != nil {
			return err
		}
		c, data, err := readBlock(br, dag.MaxNodeSize)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%w: after %d entries: %w", ErrIncomplete, n, err)
		}
		if !c.Defined() {
			return nil
		}
		n++
		size += uint64(len(data))
		switch {
		case n > count:
			return fmt.Errorf("%w: more than the %d entries asked for", ErrUnexpected, count)
		case size > MaxLogBytes:
			return fmt.Errorf("%w: more than %d bytes of entries", ErrUnexpected, MaxLogBytes)
		}
		if err := dag.CheckBlock(c, data); err != nil {
			return fmt.Errorf("%w: entry %d: %w", ErrUnexpected, n, err)
		}
		put(c, data)
	}
}

// LogRange is FetchLog collecting the entries in a map. A peer that does
// not speak the protocol gets an error wrapping ErrNotSupported: at once
// if identify has told this host its protocols, else once the stream's
// negotiation fails (right after connecting, identify may not have run yet).
func LogRange(ctx context.Context, h host.Host, p peer.ID, signer string, from, count uint64) (map[cid.Cid][]byte, error) {
	notSupported := fmt.Errorf("%w: peer %s does not speak %s", ErrNotSupported, p, LogID)
	if protos, err := h.Peerstore().GetProtocols(p); err == nil && len(protos) > 0 && !slices.Contains(protos, LogID) {
		return nil, notSupported
	}
	got := map[cid.Cid][]byte{}
	err := FetchLog(ctx, h, p, signer, from, count, func(c cid.Cid, data []byte) { got[c] = data })
	if errors.Is(err, msmux.ErrNotSupported[protocol.ID]{}) {
		err = notSupported
	}
	return got, err
}

// encodeLogRequest encodes {"from": from, "count": count, "signer": signer}
// as DAG-CBOR.
func encodeLogRequest(signer string, from, count uint64) ([]byte, error) {
	if signer == "" || len(signer) > maxSignerSize || from < 1 || count < 1 || count > MaxLogEntries || from > 1<<53-1 {
		return nil, fmt.Errorf("%w: log request for %q from %d, %d entries", ErrUnexpected, signer, from, count)
	}
	return frame.EncodeMap(3, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "from", qp.Int(int64(from)))
		qp.MapEntry(ma, "count", qp.Int(int64(count)))
		qp.MapEntry(ma, "signer", qp.String(signer))
	})
}

// decodeLogRequest decodes and checks a log request.
func decodeLogRequest(b []byte) (signer string, from, count uint64, err error) {
	nb := basicnode.Prototype.Any.NewBuilder()
	if err := (dagcbor.DecodeOptions{MaxDepth: 1}).Decode(nb, bytes.NewReader(b)); err != nil {
		return "", 0, 0, fmt.Errorf("%w: log request: %w", ErrUnexpected, err)
	}
	n := nb.Build()
	if n.Kind() != datamodel.Kind_Map {
		return "", 0, 0, fmt.Errorf("%w: log request is not a map", ErrUnexpected)
	}
	field := func(name string) datamodel.Node {
		v, err := n.LookupByString(name)
		if err != nil {
			return nil
		}
		return v
	}
	s, f, k := field("signer"), field("from"), field("count")
	if s == nil || f == nil || k == nil {
		return "", 0, 0, fmt.Errorf("%w: log request without signer, from and count", ErrUnexpected)
	}
	signer, err1 := s.AsString()
	fi, err2 := f.AsInt()
	ki, err3 := k.AsInt()
	if err := errors.Join(err1, err2, err3); err != nil {
		return "", 0, 0, fmt.Errorf("%w: log request: %w", ErrUnexpected, err)
	}
	if signer == "" || len(signer) > maxSignerSize || fi < 1 || ki < 1 || ki > MaxLogEntries {
		return "", 0, 0, fmt.Errorf("%w: log request for %q from %d, %d entries", ErrUnexpected, signer, fi, ki)
	}
	return signer, uint64(fi), uint64(ki), nil
}

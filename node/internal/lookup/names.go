package lookup

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/frame"
)

// NamesID is the protocol ID of the name lookup: which package CIDs a peer's
// name index maps NAME@VERSION to. An answer is a hint, never trusted: the
// asker fetches each candidate and verifies it against its own policy.
const NamesID protocol.ID = "/cairn/names/1.0.0"

// MaxCandidates bounds the CIDs in one names answer.
const MaxCandidates = 16

// maxRefLength bounds a names request: "namespace/name@version".
const maxRefLength = 64 + 1 + 128 + 1 + dag.MaxVersionLength

// NameIndex is what a node answers names requests from.
type NameIndex interface {
	Lookup(ctx context.Context, ref dag.Ref) (cid.Cid, error)
}

// ServeNames answers names requests on h from idx until ctx ends.
func ServeNames(ctx context.Context, h host.Host, idx NameIndex) {
	h.SetStreamHandler(NamesID, frame.Handler(ctx, func(ctx context.Context, s network.Stream) error { return serveNames(ctx, s, idx) }))
}

func serveNames(ctx context.Context, s network.Stream, idx NameIndex) error {
	if err := s.SetDeadline(time.Now().Add(StreamTimeout)); err != nil {
		return err
	}
	b, err := frame.Read(bufio.NewReader(io.LimitReader(s, maxRefLength+binary.MaxVarintLen64)), maxRefLength)
	if err != nil {
		return err
	}
	ref, err := dag.ParseRef(string(b))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, StreamTimeout)
	defer cancel()
	var cands []Ref
	if c, err := idx.Lookup(ctx, ref); err == nil {
		cands = append(cands, Ref{Referrer: c})
	}
	data, err := encodeCIDs(cands)
	if err != nil {
		return err
	}
	return frame.Write(s, data)
}

// AskName asks peer p which packages its index maps ref to.
func AskName(ctx context.Context, h host.Host, p peer.ID, ref dag.Ref) ([]cid.Cid, error) {
	data, err := ask(ctx, h, p, NamesID, []byte(ref.String()))
	if err != nil {
		return nil, fmt.Errorf("names from %s: %w", p, err)
	}
	refs, err := decodeRefs(data)
	if err != nil {
		return nil, err
	}
	if len(refs) > MaxCandidates {
		return nil, fmt.Errorf("%w: %d candidates, limit %d", errBadResponse, len(refs), MaxCandidates)
	}
	cids := make([]cid.Cid, len(refs))
	for i, r := range refs {
		cids[i] = r.Referrer
	}
	return cids, nil
}

// encodeCIDs answers with the same shape as referrers ([subject, referrer]
// pairs), the subject being the referrer itself: one decoder for both.
func encodeCIDs(cs []Ref) ([]byte, error) {
	for i := range cs {
		cs[i].Subject = cs[i].Referrer
	}
	return encodeRefs(cs)
}

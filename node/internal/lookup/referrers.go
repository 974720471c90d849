package lookup

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
	"github.com/ipld/go-ipld-prime/node/basicnode"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/cairnpkg/cairn/node/internal/frame"
)

// ReferrersID is the protocol ID of the referrers lookup.
const ReferrersID protocol.ID = "/cairn/referrers/1.0.0"

// Limits of the referrers protocol (docs/protocols.md).
const (
	// MaxReferrers bounds the pairs in one response.
	MaxReferrers = 4096
	// MaxResponseSize bounds a response's bytes.
	MaxResponseSize = 1 << 20
	// maxRequestSize bounds a request: a varint and one CID.
	maxRequestSize = 128
	// StreamTimeout bounds a whole exchange.
	StreamTimeout = 10 * time.Second
)

// Ref says that Referrer names Subject as its subject.
type Ref struct {
	Subject  cid.Cid
	Referrer cid.Cid
}

// Index is what a node answers from: its referrers index.
type Index interface {
	Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error)
}

// ServeReferrers answers referrers requests on h from idx until ctx ends.
func ServeReferrers(ctx context.Context, h host.Host, idx Index) {
	h.SetStreamHandler(ReferrersID, frame.Handler(ctx, func(ctx context.Context, s network.Stream) error { return serveReferrers(ctx, s, idx) }))
}

func serveReferrers(ctx context.Context, s network.Stream, idx Index) error {
	if err := s.SetDeadline(time.Now().Add(StreamTimeout)); err != nil {
		return err
	}
	br := bufio.NewReader(io.LimitReader(s, maxRequestSize))
	subject, err := readCID(br)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, StreamTimeout)
	defer cancel()
	refs, err := collect(ctx, idx, subject)
	if err != nil {
		return err
	}
	data, err := encodeRefs(refs)
	if err != nil {
		return err
	}
	return frame.Write(s, data)
}

// collect gathers the referrers of subject and of each of them (a package's
// metadata sets and their signatures), up to MaxReferrers.
func collect(ctx context.Context, idx Index, subject cid.Cid) ([]Ref, error) {
	var out []Ref
	level := []cid.Cid{subject}
	for depth := 0; depth < 2 && len(level) > 0; depth++ {
		var next []cid.Cid
		for _, s := range level {
			rs, err := idx.Referrers(ctx, s)
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				if len(out) == MaxReferrers {
					return out, nil
				}
				out = append(out, Ref{Subject: s, Referrer: r})
				next = append(next, r)
			}
		}
		level = next
	}
	return out, nil
}

// AskReferrers asks peer p for the referrers of c (two levels deep).
func AskReferrers(ctx context.Context, h host.Host, p peer.ID, c cid.Cid) ([]Ref, error) {
	data, err := ask(ctx, h, p, ReferrersID, c.Bytes())
	if err != nil {
		return nil, fmt.Errorf("referrers from %s: %w", p, err)
	}
	return decodeRefs(data)
}

// ask sends one request frame to p on proto and reads one response frame,
// within StreamTimeout; the stream is reset on any error.
func ask(ctx context.Context, h host.Host, p peer.ID, proto protocol.ID, req []byte) (resp []byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, StreamTimeout)
	defer cancel()
	s, err := h.NewStream(ctx, p, proto)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.Reset()
		} else {
			s.Close()
		}
	}()
	if dl, ok := ctx.Deadline(); ok {
		s.SetDeadline(dl)
	}
	if err := frame.Write(s, req); err != nil {
		return nil, err
	}
	if err := s.CloseWrite(); err != nil {
		return nil, err
	}
	return frame.Read(bufio.NewReader(io.LimitReader(s, MaxResponseSize+binary.MaxVarintLen64)), MaxResponseSize)
}

func readCID(r *bufio.Reader) (cid.Cid, error) {
	b, err := frame.Read(r, maxRequestSize)
	if err != nil {
		return cid.Undef, err
	}
	n, c, err := cid.CidFromBytes(b)
	if err != nil || n != len(b) {
		return cid.Undef, fmt.Errorf("lookup: request is not one CID")
	}
	return c, nil
}

// encodeRefs encodes {"refs": [[subject, referrer], ...]} as DAG-CBOR.
func encodeRefs(refs []Ref) ([]byte, error) {
	return frame.EncodeMap(1, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "refs", qp.List(int64(len(refs)), func(la datamodel.ListAssembler) {
			for _, r := range refs {
				qp.ListEntry(la, qp.List(2, func(la datamodel.ListAssembler) {
					qp.ListEntry(la, qp.Link(cidlink.Link{Cid: r.Subject}))
					qp.ListEntry(la, qp.Link(cidlink.Link{Cid: r.Referrer}))
				}))
			}
		}))
	})
}

var errBadResponse = errors.New("lookup: malformed referrers response")

func decodeRefs(data []byte) ([]Ref, error) {
	nb := basicnode.Prototype.Any.NewBuilder()
	opts := dagcbor.DecodeOptions{AllowLinks: true, MaxDepth: 4}
	if err := opts.Decode(nb, bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("%w: %w", errBadResponse, err)
	}
	list, err := nb.Build().LookupByString("refs")
	if err != nil || list.Kind() != datamodel.Kind_List {
		return nil, fmt.Errorf("%w: no refs list", errBadResponse)
	}
	if list.Length() > MaxReferrers {
		return nil, fmt.Errorf("%w: %d refs, limit %d", errBadResponse, list.Length(), MaxReferrers)
	}
	out := make([]Ref, 0, list.Length())
	for it := list.ListIterator(); !it.Done(); {
		_, pair, err := it.Next()
		if err != nil || pair.Kind() != datamodel.Kind_List || pair.Length() != 2 {
			return nil, fmt.Errorf("%w: a ref is not a [subject, referrer] pair", errBadResponse)
		}
		s, err1 := linkAt(pair, 0)
		r, err2 := linkAt(pair, 1)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: a ref holds something other than two links", errBadResponse)
		}
		out = append(out, Ref{Subject: s, Referrer: r})
	}
	return out, nil
}

func linkAt(n datamodel.Node, i int64) (cid.Cid, error) {
	v, err := n.LookupByIndex(i)
	if err != nil {
		return cid.Undef, err
	}
	l, err := v.AsLink()
	if err != nil {
		return cid.Undef, err
	}
	cl, ok := l.(cidlink.Link)
	if !ok {
		return cid.Undef, errBadResponse
	}
	return cl.Cid, nil
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ipfs/boxo/bitswap"
	"github.com/ipfs/boxo/bitswap/network/bsnet"
	"github.com/ipfs/boxo/blockstore"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
	"github.com/ipld/go-ipld-prime/node/basicnode"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
)

// The referrers protocol as docs/protocols.md §1–§2 specifies it
// (node/internal/lookup cannot be imported from here).
const (
	referrersID     = "/cairn/referrers/1.0.0"
	maxReferrers    = 4096    // pairs in one answer the asker accepts
	maxResponseSize = 1 << 20 // bytes of one answer the asker accepts
	maxRequestSize  = 128
	streamTimeout   = 10 * time.Second
)

// runReferrers is --mode referrers: it makes count metadata sets naming pkg,
// none signed by a key the target could trust (every other one signed by a
// fresh key, the rest not at all), connects to the target, answers
// /cairn/referrers/1.0.0 for pkg with all of them in one answer, and serves
// their blocks over bitswap, until SIGTERM or SIGINT. It prints "rogue
// PEER_ID referrers: offering ..." once connected, and "rogue PEER_ID
// referrers: answered A, served M metadata sets, S signatures" when it
// stops: the answers it gave for pkg, and the blocks of each kind bitswap
// sent.
func runReferrers(connect, pkgArg string, count int) error {
	pkg, err := cid.Decode(pkgArg)
	if err != nil {
		return fmt.Errorf("--package %q: %w", pkgArg, err)
	}
	if count < 1 {
		return fmt.Errorf("--count %d: expected at least 1", count)
	}
	target, err := peer.AddrInfoFromString(connect)
	if err != nil {
		return fmt.Errorf("--connect %q: %w", connect, err)
	}
	bstore := &servedCounter{Blockstore: blockstore.NewBlockstore(dssync.MutexWrap(ds.NewMapDatastore())), kinds: map[cid.Cid]dag.NodeKind{}}
	refs, signed, err := offer(context.Background(), bstore, pkg, count)
	if err != nil {
		return err
	}
	answer, err := encodeRefs(refs)
	if err != nil {
		return err
	}
	// An answer the asker would refuse whole proves nothing about what it
	// does with one it takes.
	if len(refs) > maxReferrers || len(answer) > maxResponseSize {
		return fmt.Errorf("--count %d makes %d pairs in %d bytes; one answer holds at most %d pairs and %d bytes",
			count, len(refs), len(answer), maxReferrers, maxResponseSize)
	}
	empty, err := encodeRefs(nil)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	h, err := libp2p.New(libp2p.NoTransports, libp2p.Transport(tcp.NewTCPTransport),
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		return err
	}
	defer h.Close()
	// Serve every signature C wants at once: by default a bitswap server
	// queues at most 1024 wants of a peer, and C would wait out its node
	// timeout (15 s) for the rest before it goes on without them.
	bs := bitswap.New(ctx, bsnet.NewFromIpfsHost(h), nil, bstore, bitswap.MaxQueuedWantlistEntriesPerPeer(maxReferrers))
	defer bs.Close()
	var answered atomic.Int64
	h.SetStreamHandler(referrersID, func(s network.Stream) {
		s.SetDeadline(time.Now().Add(streamTimeout))
		subject, err := readRequest(s)
		if err != nil {
			s.Reset()
			return
		}
		data := empty
		if subject.Equals(pkg) {
			data = answer
			answered.Add(1)
		}
		if err := writeFrame(s, data); err != nil {
			s.Reset()
			return
		}
		s.Close()
	})

	cctx, ccancel := context.WithTimeout(ctx, setupTimeout)
	defer ccancel()
	if err := h.Connect(cctx, *target); err != nil {
		return fmt.Errorf("connect %s: %w", connect, err)
	}
	fmt.Printf("rogue %s referrers: offering %d metadata sets, %d signed by a fresh key, in %d pairs (%d bytes)\n",
		h.ID(), count, signed, len(refs), len(answer))
	<-ctx.Done()
	fmt.Printf("rogue %s referrers: answered %d, served %d metadata sets, %d signatures\n",
		h.ID(), answered.Load(), bstore.metas.Load(), bstore.sigs.Load())
	return nil
}

// servedCounter counts the distinct blocks bitswap reads to send, by kind:
// what the target asked the rogue for. (Bitswap may read one block more
// than once: to answer a want-have with the block, then a want-block.)
type servedCounter struct {
	blockstore.Blockstore
	kinds       map[cid.Cid]dag.NodeKind // written before serving, read-only after
	served      sync.Map                 // cid.Cid -> struct{}
	metas, sigs atomic.Int64
}

func (s *servedCounter) Get(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	b, err := s.Blockstore.Get(ctx, c)
	if err != nil {
		return b, err
	}
	if _, again := s.served.LoadOrStore(c, struct{}{}); !again {
		switch s.kinds[c] {
		case dag.NodeMetadata:
			s.metas.Add(1)
		case dag.NodeSignature:
			s.sigs.Add(1)
		}
	}
	return b, nil
}

// offer makes count metadata sets naming pkg, and a signature by one fresh
// key for every other one, puts them in bs, and returns the referrer pairs
// that name them (each set under pkg, each signature under its set) and how
// many signatures there are.
func offer(ctx context.Context, bs *servedCounter, pkg cid.Cid, count int) ([][2]cid.Cid, int, error) {
	k, err := sign.GenerateKey()
	if err != nil {
		return nil, 0, err
	}
	// A random start, so that several rogues offer different sets.
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(mrand.Int64N(300e6)) * time.Second)
	var refs, sigRefs [][2]cid.Cid
	for i := range count {
		m := &dag.MetadataSet{Subject: pkg, Kind: dag.KindReview, Created: base.Add(time.Duration(i) * time.Second)}
		data, mc, err := m.Encode()
		if err != nil {
			return nil, 0, err
		}
		if err := bs.put(ctx, mc, data, dag.NodeMetadata); err != nil {
			return nil, 0, err
		}
		refs = append(refs, [2]cid.Cid{pkg, mc})
		if i%2 != 0 {
			continue
		}
		s, err := sign.Sign(k, mc, dag.RoleAuditor, base)
		if err != nil {
			return nil, 0, err
		}
		data, sc, err := s.Encode()
		if err != nil {
			return nil, 0, err
		}
		if err := bs.put(ctx, sc, data, dag.NodeSignature); err != nil {
			return nil, 0, err
		}
		sigRefs = append(sigRefs, [2]cid.Cid{mc, sc})
	}
	return append(refs, sigRefs...), len(sigRefs), nil
}

// put stores a block of kind k.
func (s *servedCounter) put(ctx context.Context, c cid.Cid, data []byte, k dag.NodeKind) error {
	b, err := blocks.NewBlockWithCid(data, c)
	if err != nil {
		return err
	}
	s.kinds[c] = k
	return s.Blockstore.Put(ctx, b)
}

// readRequest reads a referrers request: one frame holding one CID.
func readRequest(s io.Reader) (cid.Cid, error) {
	r := bufio.NewReader(io.LimitReader(s, maxRequestSize))
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return cid.Undef, err
	}
	if n > maxRequestSize {
		return cid.Undef, fmt.Errorf("request of %d bytes", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return cid.Undef, err
	}
	used, c, err := cid.CidFromBytes(buf)
	if err != nil || used != len(buf) {
		return cid.Undef, fmt.Errorf("request is not one CID")
	}
	return c, nil
}

// writeFrame writes data after its length as a uvarint.
func writeFrame(w io.Writer, data []byte) error {
	var hdr [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(hdr[:], uint64(len(data)))
	if _, err := w.Write(hdr[:n]); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// encodeRefs encodes {"refs": [[subject, referrer], ...]} as DAG-CBOR.
func encodeRefs(refs [][2]cid.Cid) ([]byte, error) {
	n, err := qp.BuildMap(basicnode.Prototype.Map, 1, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "refs", qp.List(int64(len(refs)), func(la datamodel.ListAssembler) {
			for _, r := range refs {
				qp.ListEntry(la, qp.List(2, func(la datamodel.ListAssembler) {
					qp.ListEntry(la, qp.Link(cidlink.Link{Cid: r[0]}))
					qp.ListEntry(la, qp.Link(cidlink.Link{Cid: r[1]}))
				}))
			}
		}))
	})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := dagcbor.Encode(n, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

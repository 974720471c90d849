package dagstream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"sync"
	"time"

	blocks "github.com/ipfs/go-block-format"
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

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/sha256mb"
	"github.com/cairnpkg/cairn/node/internal/frame"
)

// ID is the protocol ID of the whole-DAG transfer.
const ID protocol.ID = "/cairn/car/1.0.0"

// Limits of the protocol (docs/protocols.md §5).
const (
	// MaxRoots bounds the roots of one request.
	MaxRoots = 1024
	// MaxRequestSize bounds a request frame's payload.
	MaxRequestSize = 128 << 10
	// MaxBlockSize bounds a block's data.
	MaxBlockSize = 2 << 20
	// MaxDepth bounds how far below a root a walk goes: UnixFS DAGs are a
	// few levels deep (a 1 TiB file with 1 MiB chunks and 1024 links per
	// node is four); deeper is a DAG built to exhaust the walker.
	MaxDepth = 64
	// maxCIDSize bounds the CID in a block frame.
	maxCIDSize = 128
	// IdleTimeout: a stream on which nothing moves this long is reset.
	IdleTimeout = 30 * time.Second
	// bufSize is the read and write buffer of a stream.
	bufSize = 256 << 10
)

// Blockstore is what a server answers from.
type Blockstore interface {
	Get(ctx context.Context, c cid.Cid) (blocks.Block, error)
}

// A BlockReader is a Blockstore that can also read a block's bytes into a
// buffer the caller owns (the result may alias buf and is good until buf is
// used again). Serve uses it when bs has it: one buffer for the whole
// answer, instead of a new block, zeroed by the allocator, for each block.
type BlockReader interface {
	ReadBlock(ctx context.Context, c cid.Cid, buf []byte) ([]byte, error)
}

// Serve answers whole-DAG requests on h from bs until ctx ends. A block bs
// does not have (or cannot read) ends the answer with a stream reset.
//
// bs need not check blocks against their CIDs, and should not for speed
// (hashing is a large part of a server's CPU time): the asker checks every
// block against the CID its own walk expects before it keeps it (Fetch), so a
// block that the server's disk damaged fails the asker's transfer, which
// then resumes from another peer. The server decodes links from blocks it has
// not checked; a damaged node only steers its walk to CIDs it then sends or
// lacks, and the asker rejects the first one that differs from its own walk.
func Serve(ctx context.Context, h host.Host, bs Blockstore) {
	h.SetStreamHandler(ID, frame.Handler(ctx, func(ctx context.Context, s network.Stream) error { return serve(ctx, s, bs) }))
}

func serve(ctx context.Context, s network.Stream, bs Blockstore) error {
	if err := s.SetDeadline(time.Now().Add(IdleTimeout)); err != nil {
		return err
	}
	br := bufio.NewReader(io.LimitReader(s, MaxRequestSize+binary.MaxVarintLen64))
	req, err := readFrame(br, MaxRequestSize)
	if err != nil {
		return err
	}
	roots, err := decodeRequest(req)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw := bufio.NewWriterSize(s, bufSize)
	read := func(c cid.Cid) ([]byte, error) {
		b, err := bs.Get(ctx, c)
		if err != nil {
			return nil, err
		}
		return b.RawData(), nil
	}
	if r, ok := bs.(BlockReader); ok {
		// A block's bytes are done with once written: an io.Writer does not
		// keep what it is given, and Links copies the CIDs it decodes.
		var buf []byte
		read = func(c cid.Cid) ([]byte, error) {
			data, err := r.ReadBlock(ctx, c, buf)
			if cap(data) > cap(buf) {
				buf = data[:0]
			}
			return data, err
		}
	}
	w := newWalk(roots)
	for c, ok := w.next(); ok; c, ok = w.next() {
		data, err := read(c)
		if err != nil {
			bw.Flush() // what was sent is good: the asker keeps it
			return err
		}
		children, err := Links(c, data)
		if err != nil {
			return err
		}
		if err := s.SetDeadline(time.Now().Add(IdleTimeout)); err != nil {
			return err
		}
		if err := writeBlock(bw, c, data); err != nil {
			return err
		}
		if err := w.push(children); err != nil {
			return err
		}
	}
	if err := frame.Write(bw, nil); err != nil {
		return err
	}
	return bw.Flush()
}

// Fetch asks peer p for the DAGs below roots and reads the answer, checking
// every block before handing it to put: its CID must be the next of the walk
// (the roots, then the links of the blocks already checked, depth first) and
// its data must hash to it. Blocks for which have (if not nil) says true are
// checked but not put. Any deviation resets the stream and returns an error
// wrapping ErrUnexpected; a stream that ends early, ErrIncomplete. The blocks
// put before an error are good: Missing finds what is left. put is called on
// one goroutine, in the stream's order, not again once it or a hash check
// failed, and never after Fetch returns.
func Fetch(ctx context.Context, h host.Host, p peer.ID, roots []cid.Cid, put func(blocks.Block) error, have func(cid.Cid) bool) (err error) {
	if len(roots) == 0 {
		return nil
	}
	if len(roots) > MaxRoots {
		return fmt.Errorf("%w: %d roots, limit %d", ErrUnexpected, len(roots), MaxRoots)
	}
	req, err := encodeRequest(roots)
	if err != nil {
		return err
	}
	return ask(ctx, h, p, ID, req, func(s network.Stream, br *bufio.Reader) error {
		return receive(ctx, s, br, roots, put, have)
	})
}

// ask opens a stream to p on proto, writes the request frame req, closes its
// write side, and has read take the answer. The stream is reset when ctx
// ends, on any error, and after IdleTimeout without a deadline refreshed by
// read; else closed.
func ask(ctx context.Context, h host.Host, p peer.ID, proto protocol.ID, req []byte, read func(s network.Stream, br *bufio.Reader) error) (err error) {
	s, err := h.NewStream(ctx, p, proto)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			s.Reset()
		} else {
			s.Close()
		}
	}()
	stop := context.AfterFunc(ctx, func() { s.Reset() })
	defer stop()
	if err := s.SetDeadline(time.Now().Add(IdleTimeout)); err != nil {
		return err
	}
	if err := frame.Write(s, req); err != nil {
		return err
	}
	if err := s.CloseWrite(); err != nil {
		return err
	}
	return read(s, bufio.NewReaderSize(s, bufSize))
}

// Blocks' hashes are checked while the stream is read, on another goroutine:
// the walk needs only each block's links (and its CID to match), so hashing
// need not hold up the next read. The hasher takes the blocks in batches of
// up to sha256mb.BatchSize or hashBatchBytes, whichever comes first, which
// dag.CheckBlocks hashes side by side where the CPU can, while at most half
// a batch more waits. A block is put only once its hash checked.
const hashBatchBytes = 16 << 20

// receive reads and checks block frames until the walk of roots is over.
func receive(ctx context.Context, s network.Stream, br *bufio.Reader, roots []cid.Cid, put func(blocks.Block) error, have func(cid.Cid) bool) (err error) {
	jobs := make(chan hashJob, max(sha256mb.BatchSize()/2, 2))
	var (
		errOnce sync.Once
		werr    error
		failed  = make(chan struct{})
		done    = make(chan struct{})
	)
	fail := func(e error) {
		errOnce.Do(func() { werr = e; close(failed) })
	}
	go func() {
		defer close(done)
		for batch := range hashBatches(jobs) {
			select {
			case <-failed:
				continue // put is not called again once the transfer failed
			default:
			}
			if err := checkAndPut(batch, put); err != nil {
				fail(err)
			}
		}
	}()
	defer func() {
		close(jobs)
		<-done
		if err == nil {
			err = werr // a hash that failed after the last frame was read
		}
	}()
	w := newWalk(roots)
	n := 0
	for {
		select {
		case <-failed:
			return werr
		default:
		}
		want, more := w.next()
		if err := s.SetReadDeadline(time.Now().Add(IdleTimeout)); err != nil {
			return err
		}
		c, data, err := readBlock(br, MaxBlockSize)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !more {
				return fmt.Errorf("%w: after %d blocks, expected the end: %w", ErrUnexpected, n, err)
			}
			return fmt.Errorf("%w: after %d blocks, expected %s: %w", ErrIncomplete, n, want, err)
		}
		switch {
		case !c.Defined() && !more:
			return nil
		case !c.Defined():
			return fmt.Errorf("%w: after %d blocks, expected %s, got the end", ErrIncomplete, n, want)
		case !more:
			return fmt.Errorf("%w: after %d blocks, expected the end, got %s", ErrUnexpected, n, c)
		case !c.Equals(want):
			return fmt.Errorf("%w: block %d: expected %s, got %s", ErrUnexpected, n, want, c)
		}
		// The links steer the walk before the hash is checked; a block that
		// fails its hash fails the whole transfer and is never put.
		children, err := Links(c, data)
		if err != nil {
			return err
		}
		if err := w.push(children); err != nil {
			return err
		}
		jobs <- hashJob{n: n, c: c, data: data, put: have == nil || !have(c)}
		n++
	}
}

// hashJob is one received block waiting for its hash check: its place in
// the stream, CID and bytes, and whether to put it once checked.
type hashJob struct {
	n    int
	c    cid.Cid
	data []byte
	put  bool
}

// hashBatches yields the jobs in batches: it waits for the next job until
// the batch is full or jobs is closed. The first batch holds one job, and
// each next one twice as many as the last, up to sha256mb.BatchSize jobs or
// hashBatchBytes: the first blocks of a stream are put as soon as they are
// checked, which a put that ends the stream early counts on (a fetch that
// wants only the first block, or only the roots it asked for).
func hashBatches(jobs <-chan hashJob) iter.Seq[[]hashJob] {
	return func(yield func([]hashJob) bool) {
		full := sha256mb.BatchSize()
		batch := make([]hashJob, 0, full)
		n, size := 1, 0
		for j := range jobs {
			batch = append(batch, j)
			size += len(j.data)
			if len(batch) < n && size < hashBatchBytes {
				continue
			}
			if !yield(batch) {
				return
			}
			batch, size = batch[:0], 0
			n = min(2*n, full)
		}
		if len(batch) > 0 {
			yield(batch)
		}
	}
}

// checkAndPut checks a batch's hashes together and puts each block that
// matches and is wanted; it returns the first block that failed, or put's
// first error.
func checkAndPut(batch []hashJob, put func(blocks.Block) error) error {
	cs := make([]cid.Cid, len(batch))
	data := make([][]byte, len(batch))
	for i, j := range batch {
		cs[i], data[i] = j.c, j.data
	}
	for i, err := range dag.CheckBlocks(cs, data) {
		if err != nil {
			return fmt.Errorf("%w: block %d: %w", ErrUnexpected, batch[i].n, err)
		}
	}
	for _, j := range batch {
		if !j.put {
			continue
		}
		b, err := blocks.NewBlockWithCid(j.data, j.c)
		if err == nil {
			err = put(b)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeBlock writes one block frame: uvarint(len(cid)+len(data)), the
// binary CID, the data.
func writeBlock(w io.Writer, c cid.Cid, data []byte) error {
	cb := c.Bytes()
	var hdr [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(hdr[:], uint64(len(cb)+len(data)))
	if _, err := w.Write(hdr[:n]); err != nil {
		return err
	}
	if _, err := w.Write(cb); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// readBlock reads one block frame whose data is at most maxData bytes; a
// zero-length frame (the end) gives cid.Undef. The data is read into a
// buffer of its own, apart from the CID, so that a large block's bytes start
// on a page boundary (Go allocates large objects so), which lets the store
// write them to a pack with O_DIRECT.
func readBlock(r *bufio.Reader, maxData int) (cid.Cid, []byte, error) {
	n, err := frame.ReadLen(r, maxCIDSize+maxData)
	if errors.Is(err, frame.ErrTooLarge) {
		return cid.Undef, nil, fmt.Errorf("%w: %w", ErrUnexpected, err)
	}
	if err != nil || n == 0 {
		return cid.Undef, nil, err
	}
	head, err := r.Peek(min(n, maxCIDSize))
	if err != nil {
		return cid.Undef, nil, fmt.Errorf("frame: %w", unexpectedEOF(err))
	}
	k, c, err := cid.CidFromBytes(head)
	if err != nil {
		return cid.Undef, nil, fmt.Errorf("%w: a block frame does not start with a CID: %w", ErrUnexpected, err)
	}
	if n-k > maxData {
		return cid.Undef, nil, fmt.Errorf("%w: block %s of %d bytes, limit %d", ErrUnexpected, c, n-k, maxData)
	}
	r.Discard(k)
	data := make([]byte, n-k)
	if _, err := io.ReadFull(r, data); err != nil {
		return cid.Undef, nil, fmt.Errorf("frame: %w", unexpectedEOF(err))
	}
	return c, data, nil
}

// unexpectedEOF is err, or io.ErrUnexpectedEOF for io.EOF: the end of a
// frame whose length was read is never expected.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readFrame reads one frame of at most limit bytes; one over it is a peer
// breaking the protocol.
func readFrame(r *bufio.Reader, limit int) ([]byte, error) {
	b, err := frame.Read(r, limit)
	if errors.Is(err, frame.ErrTooLarge) {
		return nil, fmt.Errorf("%w: %w", ErrUnexpected, err)
	}
	return b, err
}

// encodeRequest encodes {"roots": [root, ...]} as DAG-CBOR.
func encodeRequest(roots []cid.Cid) ([]byte, error) {
	b, err := frame.EncodeMap(1, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "roots", qp.List(int64(len(roots)), func(la datamodel.ListAssembler) {
			for _, r := range roots {
				qp.ListEntry(la, qp.Link(cidlink.Link{Cid: r}))
			}
		}))
	})
	if err != nil {
		return nil, err
	}
	if len(b) > MaxRequestSize {
		return nil, fmt.Errorf("%w: request of %d bytes, limit %d", ErrUnexpected, len(b), MaxRequestSize)
	}
	return b, nil
}

func decodeRequest(data []byte) ([]cid.Cid, error) {
	nb := basicnode.Prototype.Any.NewBuilder()
	opts := dagcbor.DecodeOptions{AllowLinks: true, MaxDepth: 3}
	if err := opts.Decode(nb, bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("%w: request: %w", ErrUnexpected, err)
	}
	list, err := nb.Build().LookupByString("roots")
	if err != nil || list.Kind() != datamodel.Kind_List {
		return nil, fmt.Errorf("%w: request has no roots list", ErrUnexpected)
	}
	if list.Length() == 0 || list.Length() > MaxRoots {
		return nil, fmt.Errorf("%w: request of %d roots, expected 1 to %d", ErrUnexpected, list.Length(), MaxRoots)
	}
	out := make([]cid.Cid, 0, list.Length())
	for it := list.ListIterator(); !it.Done(); {
		_, v, err := it.Next()
		if err != nil {
			return nil, err
		}
		l, err := v.AsLink()
		if err != nil {
			return nil, fmt.Errorf("%w: a root is not a link", ErrUnexpected)
		}
		cl, ok := l.(cidlink.Link)
		if !ok {
			return nil, fmt.Errorf("%w: a root is not a CID", ErrUnexpected)
		}
		out = append(out, cl.Cid)
	}
	return out, nil
}

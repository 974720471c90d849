package content

import (
	"context"
	"io"
	"sync"

	chunker "github.com/ipfs/boxo/chunker"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/internal/sha256mb"
)

// hashingSplitter is a chunker.Splitter that reads and hashes ahead: a
// goroutine of its own reads r in ChunkSize chunks (or takes them from a
// mapped file), queues each for a hashPipe, which adds it to the file's
// plain SHA-256 in order, and hashes them on a third goroutine, sixteen at a
// time side by side where the CPU can (sha256mb.BatchSize), before it queues
// them for the importer with their digests. The importer's CID builder
// (leafBuilder) takes a leaf's CID from that digest. Reading, the leaves'
// hashes and the plain SHA-256 so run on three goroutines beside the
// importer's, and keep both cores busy; at most about three batches of
// chunks are in flight.
//
// Neither the importer nor the hashPipe modifies a chunk, and each chunk is
// a fresh buffer or a mapped file's slice, so the two share it without a
// copy. The goroutines that read a mapped file's bytes turn a fault (the
// file shrank) into ErrFileChanged.
type hashingSplitter struct {
	ctx      context.Context
	r        io.Reader // nil for a mapped file
	src      chunkSource
	mapped   bool // src's chunks are slices of a mapped file
	ch       chan chunkMsg
	stop     chan struct{}
	done     chan struct{}
	progress *progress
	plain    *hashPipe

	// The importer's state: the error that ended the stream (io.EOF at the
	// end), returned again on every later call as chunker.Splitter requires.
	err error

	// The digests of the chunks NextBytes returned and the builder has not
	// yet turned into CIDs, by the chunk's first byte.
	mu   sync.Mutex
	sums map[*byte]chunkSum
}

// chunkSum is a chunk's length and SHA-256.
type chunkSum struct {
	n   int
	sum [sha256mb.Size]byte
}

// chunkMsg is a chunk and its SHA-256, or the error that ended the stream
// (io.EOF at the end).
type chunkMsg struct {
	b   []byte
	sum [sha256mb.Size]byte
	err error
}

// chunkSource yields a file's chunks in order, each of ChunkSize bytes but
// the last, none empty, then an error: io.EOF at the end.
type chunkSource interface {
	next() ([]byte, error)
}

// readChunks is the chunkSource of a reader: each chunk is read into a
// fresh buffer.
type readChunks struct{ chunker.Splitter }

func (c readChunks) next() ([]byte, error) { return c.NextBytes() }

// newHashingSplitter starts the reading and hashing goroutines for the bytes
// of r. finish must be called.
func newHashingSplitter(ctx context.Context, r io.Reader, p *progress) *hashingSplitter {
	s := &hashingSplitter{r: r, src: readChunks{chunker.NewSizeSplitter(r, ChunkSize)}, plain: newHashPipe(nil, false)}
	return s.start(ctx, p)
}

// newMappedSplitter is newHashingSplitter for a mapped file. The plain
// SHA-256 releases each chunk (mapped.release) once it has hashed it.
func newMappedSplitter(ctx context.Context, m *mapped, p *progress) *hashingSplitter {
	plain := newHashPipe(func(b []byte) { m.release(b) }, true)
	s := &hashingSplitter{src: newMappedChunks(m), mapped: true, plain: plain}
	return s.start(ctx, p)
}

func (s *hashingSplitter) start(ctx context.Context, p *progress) *hashingSplitter {
	s.ctx = ctx
	s.ch = make(chan chunkMsg, pipeDepth)
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	s.progress = p
	s.sums = make(map[*byte]chunkSum)
	read := make(chan chunkMsg, max(sha256mb.BatchSize()/2, pipeDepth))
	go s.read(read)
	go s.hash(read)
	return s
}

// read runs on a goroutine: it reads chunks and queues each for the plain
// SHA-256 and for hash, until the end of the source, an error, cancellation
// of ctx, or finish; then it closes out.
func (s *hashingSplitter) read(out chan<- chunkMsg) {
	defer close(out)
	if s.mapped {
		defer catchFaults()()
	}
	for {
		err := s.ctx.Err()
		var b []byte
		if err == nil {
			b, err = s.next()
		}
		if len(b) > 0 {
			if err := s.plain.send(s.ctx, b); err != nil {
				send(out, chunkMsg{err: err}, s.stop)
				return
			}
			if !send(out, chunkMsg{b: b}, s.stop) {
				return
			}
		}
		if err != nil {
			send(out, chunkMsg{err: err}, s.stop)
			return
		}
	}
}

// next is src.next, with a fault on a mapped file's pages (the file was
// truncated) returned as ErrFileChanged.
func (s *hashingSplitter) next() (b []byte, err error) {
	if s.mapped {
		defer recoverFault(&err)
	}
	return s.src.next()
}

// hash runs on a goroutine: it takes read's chunks in batches of
// sha256mb.BatchSize (fewer at the end), hashes each batch and queues its
// chunks for the importer. It returns once read has, so that r is no longer
// used when done is closed.
func (s *hashingSplitter) hash(in <-chan chunkMsg) {
	defer close(s.done)
	defer func() {
		for range in {
		}
	}()
	if s.mapped {
		defer catchFaults()()
	}
	size := sha256mb.BatchSize()
	batch := make([][]byte, 0, size)
	sums := make([][sha256mb.Size]byte, size)
	for m := range in {
		if m.b != nil {
			batch = append(batch, m.b)
		}
		if len(batch) < size && m.err == nil {
			continue
		}
		if err := s.sum(sums, batch); err != nil {
			send(s.ch, chunkMsg{err: err}, s.stop)
			return
		}
		for i, b := range batch {
			if !send(s.ch, chunkMsg{b: b, sum: sums[i]}, s.stop) {
				return
			}
		}
		batch = batch[:0]
		if m.err != nil {
			send(s.ch, chunkMsg{err: m.err}, s.stop)
			return
		}
	}
}

// sum is sha256mb.Sum, with a fault on a mapped file's pages returned as
// ErrFileChanged.
func (s *hashingSplitter) sum(sums [][sha256mb.Size]byte, batch [][]byte) (err error) {
	if s.mapped {
		defer recoverFault(&err)
	}
	sha256mb.Sum(sums, batch)
	return nil
}

// send sends m on ch unless stop is closed first.
func send(ch chan<- chunkMsg, m chunkMsg, stop <-chan struct{}) bool {
	select {
	case ch <- m:
		return true
	case <-stop:
		return false
	}
}

// Reader implements chunker.Splitter.
func (s *hashingSplitter) Reader() io.Reader { return s.r }

// NextBytes implements chunker.Splitter.
func (s *hashingSplitter) NextBytes() ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	// Cancellation wins over chunks already queued: the import stops at the
	// next chunk.
	var m chunkMsg
	if m.err = s.ctx.Err(); m.err == nil {
		select {
		case m = <-s.ch:
		case <-s.ctx.Done():
			m.err = s.ctx.Err()
		}
	}
	if len(m.b) > 0 {
		s.progress.add(len(m.b))
		s.mu.Lock()
		s.sums[&m.b[0]] = chunkSum{len(m.b), m.sum}
		s.mu.Unlock()
	}
	s.err = m.err
	return m.b, m.err
}

// takeSum returns the digest of data if data is a chunk NextBytes returned,
// and forgets it.
func (s *hashingSplitter) takeSum(data []byte) ([sha256mb.Size]byte, bool) {
	if len(data) == 0 {
		return [sha256mb.Size]byte{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, ok := s.sums[&data[0]]
	if !ok || cs.n != len(data) {
		return [sha256mb.Size]byte{}, false
	}
	delete(s.sums, &data[0])
	return cs.sum, true
}

// leafBuilder is the importer's cid.Builder: cidBuilder's prefix, with a
// leaf's digest taken from the splitter, which hashed it in a batch, and
// every other node's computed here.
type leafBuilder struct {
	cid.Prefix
	s *hashingSplitter
}

func (b leafBuilder) Sum(data []byte) (cid.Cid, error) {
	if b.MhType != mh.SHA2_256 || b.MhLength != -1 {
		return b.Prefix.Sum(data)
	}
	sum, ok := b.s.takeSum(data)
	if !ok {
		return b.Prefix.Sum(data)
	}
	m, err := mh.Encode(sum[:], mh.SHA2_256)
	if err != nil {
		return cid.Undef, err
	}
	return cid.NewCidV1(b.Codec, m), nil
}

func (b leafBuilder) WithCodec(c uint64) cid.Builder {
	b.Codec = c
	return b
}

// finish stops the goroutines, waiting for a read in progress to return (so
// the source is not used afterwards), and returns the bytes read and their
// SHA-256, which cover the whole stream only if NextBytes has returned
// io.EOF, or ErrFileChanged if a mapped file shrank as it was hashed.
func (s *hashingSplitter) finish() (int64, []byte, error) {
	close(s.stop)
	<-s.done
	return s.plain.finish()
}

// progress counts the bytes read by one import call and reports the total.
type progress struct {
	fn func(n int64)
	n  int64
}

func (p *progress) add(k int) {
	p.n += int64(k)
	if p.fn != nil {
		p.fn(p.n)
	}
}

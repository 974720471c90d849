package content

import (
	"context"
	"crypto/sha256"
	"hash"
	"io"

	chunker "github.com/ipfs/boxo/chunker"
)

// hashingSplitter is a chunker.Splitter that reads and hashes ahead: a
// goroutine of its own reads r in ChunkSize chunks, adds each to the file's
// plain SHA-256, in order, and queues it (at most pipeDepth chunks) for the
// importer, which meanwhile computes the CID hashes. The two SHA-256 passes
// over every byte, and the copy out of r, so run on two cores.
//
// A chunk is hashed before it is queued and the goroutine never touches it
// again, so the importer owns it outright; no chunk is shared or copied.
type hashingSplitter struct {
	ctx      context.Context
	r        io.Reader
	ch       chan chunkMsg
	stop     chan struct{}
	done     chan struct{}
	progress *progress

	// Read by the importer once done is closed.
	h hash.Hash
	n int64

	// The importer's state: the error that ended the stream (io.EOF at the
	// end), returned again on every later call as chunker.Splitter requires.
	err error
}

type chunkMsg struct {
	b   []byte
	err error
}

// newHashingSplitter starts the reading goroutine. finish must be called.
func newHashingSplitter(ctx context.Context, r io.Reader, p *progress) *hashingSplitter {
	s := &hashingSplitter{
		ctx:      ctx,
		r:        r,
		ch:       make(chan chunkMsg, pipeDepth),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		progress: p,
		h:        sha256.New(),
	}
	go s.read()
	return s
}

// read runs on the goroutine: it reads, hashes and queues chunks until the
// end of r, an error, cancellation of ctx, or finish.
func (s *hashingSplitter) read() {
	defer close(s.done)
	spl := chunker.NewSizeSplitter(s.r, ChunkSize)
	for {
		if err := s.ctx.Err(); err != nil {
			s.send(chunkMsg{err: err})
			return
		}
		b, err := spl.NextBytes()
		if len(b) > 0 {
			s.h.Write(b)
			s.n += int64(len(b))
		}
		if !s.send(chunkMsg{b, err}) || err != nil {
			return
		}
	}
}

func (s *hashingSplitter) send(m chunkMsg) bool {
	select {
	case s.ch <- m:
		return true
	case <-s.stop:
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
	var m chunkMsg
	select {
	case m = <-s.ch:
	case <-s.ctx.Done():
		m.err = s.ctx.Err()
	}
	if len(m.b) > 0 {
		s.progress.add(len(m.b))
	}
	s.err = m.err
	return m.b, m.err
}

// finish stops the goroutine, waiting for a read in progress to return (so r
// is not used afterwards), and returns the bytes read and their SHA-256, which
// cover the whole stream only if NextBytes has returned io.EOF.
func (s *hashingSplitter) finish() (int64, []byte) {
	close(s.stop)
	<-s.done
	return s.n, s.h.Sum(nil)
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

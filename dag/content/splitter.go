package content

import (
	"context"
	"io"

	chunker "github.com/ipfs/boxo/chunker"
)

// hashingSplitter is a chunker.Splitter that reads and hashes ahead: a
// goroutine of its own reads r in ChunkSize chunks and queues each (at most
// pipeDepth chunks) both for the importer, which computes the CID hashes, and
// for a hashPipe, which adds it to the file's plain SHA-256 in order. The
// copy out of r and the two SHA-256 passes over every byte so run on three
// goroutines, and keep both cores busy.
//
// Neither the importer nor the hashPipe modifies a chunk, and a fresh buffer
// is read for every chunk, so the two share it without a copy.
type hashingSplitter struct {
	ctx      context.Context
	r        io.Reader
	ch       chan chunkMsg
	stop     chan struct{}
	done     chan struct{}
	progress *progress
	plain    *hashPipe

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
		plain:    newHashPipe(nil),
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
			if s.plain.send(s.ctx, b) != nil {
				s.send(chunkMsg{err: s.ctx.Err()})
				return
			}
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

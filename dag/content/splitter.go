package content

import (
	"context"
	"io"

	chunker "github.com/ipfs/boxo/chunker"
)

// teeSplitter passes on the chunks of another splitter and also queues each
// one on a hashPipe, so the file's plain SHA-256 is computed alongside the
// DAG. It checks ctx before every chunk and reports progress after it.
//
// The chunks are shared, not copied. That is safe because nothing writes to a
// chunk once the splitter has returned it: boxo's size splitter hands the
// buffer over for good (it returns to its pool only buffers it does not
// return), and the balanced importer with raw leaves wraps the slice in a
// block as is (merkledag.NewRawNodeWPrefix); blocks are immutable by contract.
type teeSplitter struct {
	ctx      context.Context
	inner    chunker.Splitter
	pipe     *hashPipe
	progress *progress
}

// Reader implements chunker.Splitter.
func (s *teeSplitter) Reader() io.Reader { return s.inner.Reader() }

// NextBytes implements chunker.Splitter.
func (s *teeSplitter) NextBytes() ([]byte, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	b, err := s.inner.NextBytes()
	if len(b) > 0 {
		if err := s.pipe.send(s.ctx, b); err != nil {
			return nil, err
		}
		s.progress.add(len(b))
	}
	return b, err
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

package heads

import (
	"io"
	"sync/atomic"
)

// Traffic counts the bytes of head exchanges a node sent and received:
// the frames, length prefixes included (not the stream's negotiation). A
// nil *Traffic counts nothing.
type Traffic struct {
	sent, received atomic.Uint64
}

// Sent returns the bytes sent in head exchanges, asked or answered.
func (t *Traffic) Sent() uint64 {
	if t == nil {
		return 0
	}
	return t.sent.Load()
}

// Received returns the bytes received in head exchanges.
func (t *Traffic) Received() uint64 {
	if t == nil {
		return 0
	}
	return t.received.Load()
}

// reader counts what is read through r.
func (t *Traffic) reader(r io.Reader) io.Reader {
	if t == nil {
		return r
	}
	return countingReader{r, &t.received}
}

// writer counts what is written through w.
func (t *Traffic) writer(w io.Writer) io.Writer {
	if t == nil {
		return w
	}
	return countingWriter{w, &t.sent}
}

type countingReader struct {
	r io.Reader
	n *atomic.Uint64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(uint64(n))
	return n, err
}

type countingWriter struct {
	w io.Writer
	n *atomic.Uint64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(uint64(n))
	return n, err
}

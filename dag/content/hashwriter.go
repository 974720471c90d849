package content

import "context"

// hashBufSize is the size of the buffers a hashWriter copies into.
const hashBufSize = 1 << 20

// hashWriter is an io.Writer that computes SHA-256 on a separate goroutine.
// An io.Writer may not keep the slices it is given, so Write copies them into
// a fixed set of buffers that the hashing goroutine hands back once hashed;
// memory stays bounded at (pipeDepth+2)*hashBufSize.
type hashWriter struct {
	ctx  context.Context
	pipe *hashPipe
	free chan []byte
	buf  []byte // being filled; nil when none is held
}

func newHashWriter(ctx context.Context) *hashWriter {
	const buffers = pipeDepth + 2 // queued, being hashed, being filled
	free := make(chan []byte, buffers)
	for range buffers {
		free <- nil // allocated on first use
	}
	return &hashWriter{
		ctx:  ctx,
		pipe: newHashPipe(func(b []byte) { free <- b[:0] }, false),
		free: free,
	}
}

// Write implements io.Writer.
func (w *hashWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	written := 0
	for len(p) > 0 {
		if w.buf == nil {
			select {
			case b := <-w.free:
				if b == nil {
					b = make([]byte, 0, hashBufSize)
				}
				w.buf = b
			case <-w.ctx.Done():
				return written, w.ctx.Err()
			}
		}
		k := copy(w.buf[len(w.buf):cap(w.buf)], p)
		w.buf = w.buf[:len(w.buf)+k]
		p = p[k:]
		written += k
		if len(w.buf) == cap(w.buf) {
			if err := w.pipe.send(w.ctx, w.buf); err != nil {
				return written, err
			}
			w.buf = nil
		}
	}
	return written, nil
}

// finish hashes what is buffered and returns the digest. It, or abort, must be
// called exactly once.
func (w *hashWriter) finish() ([]byte, error) {
	if len(w.buf) > 0 {
		if err := w.pipe.send(w.ctx, w.buf); err != nil {
			w.pipe.abort()
			return nil, err
		}
		w.buf = nil
	}
	_, sum, err := w.pipe.finish()
	return sum, err
}

// abort stops the hashing goroutine.
func (w *hashWriter) abort() {
	w.pipe.abort()
}

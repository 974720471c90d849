package content

import (
	"context"
	"crypto/sha256"
	"hash"
	"sync/atomic"

	"github.com/cairnpkg/cairn/internal/sha256mb"
)

// pipeDepth is how many slices may wait for the hashing goroutine. With 1 MiB
// chunks this bounds the data in flight to a few MiB.
const pipeDepth = 4

// hashPipe computes the SHA-256 of a byte stream on its own goroutine, in
// order, so that the sending goroutine can meanwhile do other work (on export:
// fetch and write the file). A slice handed to send must not be modified until
// release (if any) is called with it.
type hashPipe struct {
	ch      chan []byte
	done    chan struct{}
	h       hash.Hash
	n       int64
	release func([]byte)
	mapped  bool  // the slices may be a mapped file's
	err     error // ErrFileChanged, once a mapped slice faulted
	stop    atomic.Bool
}

// newHashPipe starts the hashing goroutine. release, if not nil, is called on
// that goroutine with each slice once it is no longer needed. mapped says
// the slices may be a mapped file's, which are read from memory rather than
// the CPU's caches (sha256mb.WriteCold), and fault if the file shrank: a
// fault stops the hashing, and finish returns ErrFileChanged.
func newHashPipe(release func([]byte), mapped bool) *hashPipe {
	p := &hashPipe{
		ch:      make(chan []byte, pipeDepth),
		done:    make(chan struct{}),
		h:       sha256.New(),
		release: release,
		mapped:  mapped,
	}
	go p.run()
	return p
}

func (p *hashPipe) run() {
	defer close(p.done)
	if p.mapped {
		defer catchFaults()()
	}
	for b := range p.ch {
		if !p.stop.Load() && p.err == nil {
			p.err = p.write(b)
		}
		if p.release != nil {
			p.release(b)
		}
	}
}

// write adds b to the hash.
func (p *hashPipe) write(b []byte) (err error) {
	if p.mapped {
		defer recoverFault(&err)
		sha256mb.WriteCold(p.h, b)
	} else {
		p.h.Write(b)
	}
	p.n += int64(len(b))
	return nil
}

// send queues b for hashing, waiting while the queue is full.
func (p *hashPipe) send(ctx context.Context, b []byte) error {
	select {
	case p.ch <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// finish waits until everything sent is hashed and returns the byte count and
// the digest, or ErrFileChanged (see newHashPipe). It, or abort, must be
// called exactly once.
func (p *hashPipe) finish() (int64, []byte, error) {
	close(p.ch)
	<-p.done
	if p.err != nil {
		return 0, nil, p.err
	}
	return p.n, p.h.Sum(nil), nil
}

// abort stops the goroutine without hashing what is still queued, and waits
// for it to exit.
func (p *hashPipe) abort() {
	p.stop.Store(true)
	close(p.ch)
	<-p.done
}

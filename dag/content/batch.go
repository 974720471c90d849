package content

import (
	"context"
	"errors"
	"sync"

	ipld "github.com/ipfs/go-ipld-format"
)

// batchSize bounds the bytes an import buffers before writing them to the
// destination (ipld.Batch splits it over its parallel commits).
const batchSize = 8 << 20

var errClosed = errors.New("import finished")

// batch buffers an import's writes in an ipld.Batch. Its dag field is what the
// importer writes to: adds go to the batch, reads go straight to dst.
//
// ipld.Batch commits on goroutines of its own and, once canceled, does not wait
// for them. A gate in front of dst therefore lets no write start after the
// import returns, and close waits for those in flight, so a caller that rolls
// back after an error never races a late write.
type batch struct {
	b      *ipld.Batch
	gate   *gate
	cancel context.CancelFunc
	dag    ipld.DAGService
}

// newBatch returns a batch writing to dst. written, if not nil, is called
// with the nodes of each write once dst has them: it is set in an import
// that maps files (MapFiles).
func newBatch(ctx context.Context, dst ipld.DAGService, written func([]ipld.Node)) *batch {
	ctx, cancel := context.WithCancel(ctx)
	g := &gate{dst: dst, written: written}
	g.cond.L = &g.mu
	b := ipld.NewBatch(ctx, g, ipld.MaxSizeBatchOption(batchSize))
	return &batch{
		b:      b,
		gate:   g,
		cancel: cancel,
		dag:    batchDAG{DAGService: dst, b: b},
	}
}

// commit writes everything buffered and waits for it.
func (b *batch) commit() error {
	err := b.b.Commit()
	b.cancel()
	b.gate.close()
	return err
}

// abort drops what is buffered and waits for writes in flight.
func (b *batch) abort() {
	b.cancel()
	b.gate.close()
}

// batchDAG sends adds to the batch and everything else to the destination.
type batchDAG struct {
	ipld.DAGService
	b *ipld.Batch
}

func (d batchDAG) Add(ctx context.Context, nd ipld.Node) error {
	return d.b.Add(ctx, nd)
}

func (d batchDAG) AddMany(ctx context.Context, nds []ipld.Node) error {
	return d.b.AddMany(ctx, nds)
}

// gate is an ipld.NodeAdder that forwards to dst until closed.
type gate struct {
	dst      ipld.NodeAdder
	written  func([]ipld.Node)
	mu       sync.Mutex
	cond     sync.Cond
	inFlight int
	closed   bool
}

func (g *gate) enter() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return errClosed
	}
	g.inFlight++
	return nil
}

func (g *gate) leave() {
	g.mu.Lock()
	g.inFlight--
	g.cond.Broadcast()
	g.mu.Unlock()
}

func (g *gate) Add(ctx context.Context, nd ipld.Node) error {
	return g.AddMany(ctx, []ipld.Node{nd})
}

func (g *gate) AddMany(ctx context.Context, nds []ipld.Node) error {
	if err := g.enter(); err != nil {
		return err
	}
	defer g.leave()
	if err := g.add(ctx, nds); err != nil {
		return err
	}
	if g.written != nil {
		g.written(nds)
	}
	return nil
}

// add writes nds to dst. In an import that maps files (written is set),
// dst reads mapped chunks as it copies them: a fault there (the file
// shrank) fails the write with ErrFileChanged.
func (g *gate) add(ctx context.Context, nds []ipld.Node) (err error) {
	if g.written != nil {
		defer catchFaults()()
		defer recoverFault(&err)
	}
	if len(nds) == 1 {
		return g.dst.Add(ctx, nds[0])
	}
	return g.dst.AddMany(ctx, nds)
}

// close lets no new write start and waits for those in flight.
func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for g.inFlight > 0 {
		g.cond.Wait()
	}
}

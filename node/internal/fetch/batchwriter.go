package fetch

import (
	"context"

	blocks "github.com/ipfs/go-block-format"
)

// batchBytes is how many bytes of blocks a batchWriter gathers per write.
const batchBytes = 8 << 20

// The room a batchWriter has for blocks waiting to be written.
const (
	// streamQueue is a stream's: a batch of its hash checks (16 blocks)
	// while a batch is written. The fetch's Txn writes large blocks with
	// O_DIRECT (store.Txn.DirectWrites), each write waiting for the disk,
	// and with room for 4 blocks the stream's receiver waited on those
	// writes (a 1 GiB stream fetch, alternated runs: 438-449 MB/s with 4,
	// 569-589 with 16; 461-476 without O_DIRECT), at the cost of more
	// blocks in memory (peak RSS about 130 -> 150 MB).
	streamQueue = 16
	// bitswapQueue is a bitswap window's, as before streams had 16: with
	// 16, bitswap fetches from three providers capped at 40 MB/s
	// (scripts/bench-sources.sh, one after another on the same daemons)
	// stalled three times in about 310 after their first window, no block
	// of the second coming (all three early on; none in the last 250, some
	// under added load); with 4, none did in 310. Why is not known, nor
	// whether 16 has anything to do with it.
	bitswapQueue = 4
)

// batchWriter writes blocks in batches on a goroutine of its own, so that a
// stream's receiving and checking of the next blocks overlaps the writing of
// the last ones, and the store sees a few large writes instead of one per
// block. Close flushes and returns the first error.
type batchWriter struct {
	ch   chan blocks.Block
	done chan struct{}
	err  error // set by the goroutine before done closes
}

func newBatchWriter(ctx context.Context, queue int, putMany func(context.Context, []blocks.Block) error) *batchWriter {
	w := &batchWriter{ch: make(chan blocks.Block, queue), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		var (
			batch []blocks.Block
			size  int
		)
		flush := func() {
			if len(batch) > 0 && w.err == nil {
				w.err = putMany(ctx, batch)
			}
			batch, size = nil, 0
		}
		for b := range w.ch {
			batch = append(batch, b)
			size += len(b.RawData())
			if size >= batchBytes {
				flush()
			}
		}
		flush()
	}()
	return w
}

// Put queues b for writing. It does not report write errors: Close does.
func (w *batchWriter) Put(b blocks.Block) error {
	w.ch <- b
	return nil
}

// Close writes what is queued and returns the first write error.
func (w *batchWriter) Close() error {
	close(w.ch)
	<-w.done
	return w.err
}

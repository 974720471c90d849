package fetch

import (
	"fmt"
	"sync"

	"github.com/cairnpkg/cairn/node/internal/dagstream"
)

// The content budget (docs/network.md §8): a package's content is fetched
// only after the package is trusted, and no more of it than its layers
// declare. A DAG is cut off, and the fetch fails with ErrOverBudget, once it
// brings more bytes than the declared sizes + BudgetSlack + BudgetPerBlock
// for each block received (dag-pb links, names and UnixFS framing), or more
// blocks than BudgetBlocks + one per BudgetBytesPerBlock declared bytes. The
// walks also refuse a DAG deeper than dagstream.MaxDepth.
const (
	BudgetSlack         = 1 << 20
	BudgetPerBlock      = 256
	BudgetBlocks        = 16384
	BudgetBytesPerBlock = 4096
)

// budget bounds the content one fetch takes in.
type budget struct {
	mu        sync.Mutex
	declared  uint64
	maxBlocks int64
	bytes     int64
	blocks    int64
}

// newBudget returns the budget of content whose layers declare size bytes
// in all.
func newBudget(size uint64) *budget {
	return &budget{declared: size, maxBlocks: BudgetBlocks + int64(size/BudgetBytesPerBlock)}
}

// take charges a block of n bytes against the budget; it fails once the
// content goes over.
func (b *budget) take(n int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.blocks++
	b.bytes += int64(n)
	if b.blocks > b.maxBlocks {
		return fmt.Errorf("%w: more than %d blocks for content whose layers declare %d bytes", ErrOverBudget, b.maxBlocks, b.declared)
	}
	if limit := int64(b.declared) + BudgetSlack + BudgetPerBlock*b.blocks; b.bytes > limit {
		return fmt.Errorf("%w: %d bytes in %d blocks for content whose layers declare %d bytes (at most %d with the allowance)",
			ErrOverBudget, b.bytes, b.blocks, b.declared, limit)
	}
	return nil
}

// maxWindow bounds the blocks a bitswap walk asks for at once.
const maxWindow = 256

// window returns how many blocks a walk may ask for at once: as many as fit
// in what is left of the budget if each were as large as a block can be
// (dagstream.MaxBlockSize), at least one and at most maxWindow, so that
// what is in flight when the budget runs out is at most one block.
func (b *budget) window() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	left := int64(b.declared) + BudgetSlack + BudgetPerBlock*b.blocks - b.bytes
	return int(max(1, min(maxWindow, left/dagstream.MaxBlockSize)))
}

// room reports whether n more blocks fit.
func (b *budget) room(n int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.blocks+int64(n) > b.maxBlocks {
		return fmt.Errorf("%w: more than %d blocks for content whose layers declare %d bytes", ErrOverBudget, b.maxBlocks, b.declared)
	}
	return nil
}

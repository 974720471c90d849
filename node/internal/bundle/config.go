package bundle

import (
	"context"
	"log/slog"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
)

// Store is what bundles read and write of a repo's store.
type Store interface {
	trust.Store
	logs.Store
	Begin(ctx context.Context) (*store.Txn, error)
	Has(ctx context.Context, c cid.Cid) (bool, error)
	Package(ctx context.Context, c cid.Cid) (*dag.Package, error)
}

var _ Store = (*store.Store)(nil)

// Config is what Import works with.
type Config struct {
	Store Store
	// Follows reports whether the repo follows a key's publisher log: only
	// those entries of a bundle join the repo's logs.
	Follows func(signer string) (bool, error)
	// Events receives Verified for each verdict and Published for each
	// package kept; nil discards.
	Events events.Sink
	Log    *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Events == nil {
		c.Events = events.Discard
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}

// Import's default limits (Options).
const (
	// DefaultMaxBlockSize bounds one block of a bundle: content blocks
	// are at most 1 MiB (the chunk size) and Cairn nodes at most 1 MiB; other
	// tools' dag-pb nodes may be somewhat larger.
	DefaultMaxBlockSize = 2 << 20
	// DefaultMaxHeaderSize bounds a bundle's CAR header (its roots).
	DefaultMaxHeaderSize = 1 << 20
	// DefaultMaxBytes bounds a whole bundle as read.
	DefaultMaxBytes = 64 << 30
	// DefaultMaxBlocks bounds a bundle's number of blocks.
	DefaultMaxBlocks = 1 << 26
)

package logs

import (
	"context"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/node/internal/store"
)

// Store is what the logs read of a repo's store.
type Store interface {
	Block(ctx context.Context, c cid.Cid) ([]byte, error)
	LogHead(ctx context.Context, signer string) (store.Head, error)
	LogEntry(ctx context.Context, signer string, seq uint64) (cid.Cid, error)
	Claims(ctx context.Context, name, version string) ([]store.Claim, error)
	AllEvidence(ctx context.Context) ([]store.Evidence, error)
	Rotation(ctx context.Context, signer string) (store.Rotation, error)
	Revocations(ctx context.Context, signer string) ([]store.RevocationRecord, error)
}

var _ Store = (*store.Store)(nil)

// Ref names one entry of a publisher log.
type Ref struct {
	Signer string  `json:"signer"`
	Seq    uint64  `json:"seq"`
	Entry  cid.Cid `json:"entry"`
}

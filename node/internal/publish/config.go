package publish

import (
	"context"
	"log/slog"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// Store is what publishing reads and writes of a repo's store.
type Store interface {
	logs.Store
	Begin(ctx context.Context) (*store.Txn, error)
	Has(ctx context.Context, c cid.Cid) (bool, error)
	Package(ctx context.Context, c cid.Cid) (*dag.Package, error)
	PutStatement(ctx context.Context, signer string, data []byte) error
}

var _ Store = (*store.Store)(nil)

// Config is what a Publisher works with.
type Config struct {
	Store Store
	// Key loads a signing key by key-store name or PEM path; "" is the
	// repo's default key.
	Key func(name string) (*sign.Key, error)
	// AutoTrust makes the first publish in a namespace that no policy rule
	// selects add a rule trusting the publishing key for NAMESPACE/*, with
	// Policy and UpdatePolicy.
	AutoTrust    bool
	Policy       func() (*sign.Policy, error)
	UpdatePolicy func(func(*sign.Policy) error) error
	// Events receives Published and LogAppended after each commit.
	Events events.Sink
	Log    *slog.Logger
}

// Publisher publishes packages, metadata sets and signatures into a repo.
type Publisher struct{ cfg Config }

// New returns a Publisher; a nil Events or Log discards.
func New(cfg Config) *Publisher {
	if cfg.Events == nil {
		cfg.Events = events.Discard
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Publisher{cfg: cfg}
}

// appended tells of a committed log entry, keeps a signed statement of the
// log's new head (the key's word that this is its head, now: what followers
// judge freshness by; docs/trust.md §7), and returns the entry's Ref.
func (p *Publisher) appended(ctx context.Context, a *logs.Appended) *logs.Ref {
	if a == nil {
		return nil
	}
	now := time.Now()
	st := &dag.Announcement{Seq: a.Entry.Seq, Head: a.CID, Created: now, Expires: now.Add(StatementTTL)}
	if err := sign.SignAnnouncement(a.Key, st); err == nil {
		if data, err := st.Encode(); err == nil {
			if err := p.cfg.Store.PutStatement(ctx, a.Key.DID(), data); err != nil {
				p.cfg.Log.Warn("keep the statement of a new head", "err", err)
			}
		}
	}
	p.cfg.Events.Emit(events.LogAppended{Entry: a.Entry, CID: a.CID, Key: a.Key})
	return a.Ref()
}

// StatementTTL is how long a statement of a head made here may be relayed.
const StatementTTL = 24 * time.Hour

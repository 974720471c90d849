package mirror

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/schedule"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// The mirror's defaults: Retry is how often it looks again at entries it
// failed to mirror (and at the logs, in case a wake-up was missed), and
// FetchTimeout bounds the fetch of one mirrored package.
const (
	DefaultRetry        = 10 * time.Second
	DefaultFetchTimeout = 5 * time.Minute
	maxBackoff          = 10 * time.Minute
)

// Backoff is how long the mirror waits before trying again an entry that
// failed attempts times: retry, doubling, at most 10 minutes.
func Backoff(retry time.Duration, attempts int) time.Duration {
	d := retry
	for i := 1; i < attempts && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// Store is what the mirror reads of a repo's store.
type Store interface {
	trust.Index
	LogHeads(ctx context.Context) ([]store.Head, error)
	LogEntry(ctx context.Context, signer string, seq uint64) (cid.Cid, error)
	Block(ctx context.Context, c cid.Cid) ([]byte, error)
	Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error)
	Versions(ctx context.Context, name string) ([]store.Version, error)
	Package(ctx context.Context, c cid.Cid) (*dag.Package, error)
}

var _ Store = (*store.Store)(nil)

// Config is what a Mirrorer works with.
type Config struct {
	Rules  *Rules
	Store  Store
	Policy func() (*sign.Policy, error)
	// Fetch gets package c, which a log names as ref, with its closure,
	// verified against the policy and pinned (fetch.Fetcher.Package).
	Fetch func(ctx context.Context, c cid.Cid, ref dag.Ref) error
	// KeyDID returns the did:key of the repo's key named name ("": the
	// default key), and Sign signs metadata set meta with it in role
	// mirror (publish.Publisher.Sign): what countersigning needs.
	KeyDID func(name string) (string, error)
	Sign   func(ctx context.Context, meta cid.Cid, key string) error
	// Remove removes package c, which rule's retention no longer keeps, as
	// `cairn rm` does without --force, except that rule matching its name
	// does not stop it (node.Repo's removeRetained, storage.Remove); nil: no retention.
	Remove func(ctx context.Context, c cid.Cid, rule sign.Pattern) error
	// Bus wakes the mirror on LogsCaughtUp, PolicyChanged and
	// MirrorsChanged; nil: only the Retry timer and Poke do.
	Bus events.Subscriber
	// Count, if set, counts entries by result: mirrored, refused, failed.
	Count func(result string)
	// Now is the clock (for backoff); nil is time.Now.
	Now func() time.Time
	Log *slog.Logger
	// Retry and FetchTimeout default to DefaultRetry and DefaultFetchTimeout.
	Retry        time.Duration
	FetchTimeout time.Duration
}

// Mirrorer runs the mirror rules: for each rule, it walks the logs of the
// keys trusted for its pattern from the rule's cursor to the head, and
// mirrors each entry whose name matches.
type Mirrorer struct {
	cfg  Config
	wake chan struct{}

	cancel      context.CancelFunc
	unsubscribe func()
	wg          sync.WaitGroup
	closeOnce   sync.Once
}

// New returns a Mirrorer; Start starts it.
func New(cfg Config) *Mirrorer {
	if cfg.Count == nil {
		cfg.Count = func(string) {}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Retry <= 0 {
		cfg.Retry = DefaultRetry
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = DefaultFetchTimeout
	}
	return &Mirrorer{cfg: cfg, wake: make(chan struct{}, 1), cancel: func() {}, unsubscribe: func() {}}
}

// Start runs the mirror until ctx ends or Close.
func (m *Mirrorer) Start(ctx context.Context) {
	ctx, m.cancel = context.WithCancel(ctx)
	if m.cfg.Bus != nil {
		m.unsubscribe = m.cfg.Bus.Subscribe(func(e events.Event) {
			switch e.(type) {
			case events.LogsCaughtUp, events.PolicyChanged, events.MirrorsChanged:
				m.Poke()
			}
		})
	}
	m.wg.Go(func() { m.run(ctx) })
}

// Close stops the mirror and waits for it. It is idempotent.
func (m *Mirrorer) Close() error {
	m.closeOnce.Do(func() {
		m.unsubscribe()
		m.cancel()
		m.wg.Wait()
	})
	return nil
}

// Poke makes the mirror look at the logs now.
func (m *Mirrorer) Poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *Mirrorer) run(ctx context.Context) {
	schedule.Every(ctx, 0, m.cfg.Retry, m.wake, func(ctx context.Context) {
		if err := m.Pass(ctx); err != nil && ctx.Err() == nil {
			m.cfg.Log.Warn("mirror pass", "err", err)
		}
	})
}

// Pass deals with every entry not yet dealt with, rule by rule.
func (m *Mirrorer) Pass(ctx context.Context) error {
	rules, err := m.cfg.Rules.List(ctx)
	if err != nil || len(rules) == 0 {
		return err
	}
	heads, err := m.cfg.Store.LogHeads(ctx)
	if err != nil {
		return err
	}
	for _, rule := range rules {
		pol, err := m.cfg.Policy()
		if err != nil {
			return err
		}
		for _, h := range heads {
			if !trust.PatternTrusts(pol, rule.Pattern, h.Signer) {
				continue
			}
			if err := m.follow(ctx, rule, h.Signer, h.Seq); err != nil {
				return err
			}
		}
	}
	return nil
}

// follow deals with the entries of signer's log after the rule's cursor, up
// to head, in order. The cursor is written after each entry mirrored or
// refused, and once at the end for entries the pattern does not match
// (dealing with those again after a crash costs nothing).
func (m *Mirrorer) follow(ctx context.Context, rule Rule, signer string, head uint64) error {
	cursor := rule.Cursors[signer]
	moved := false
	for seq := cursor + 1; seq <= head; seq++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		matched, done, err := m.entry(ctx, rule, signer, seq)
		if err != nil {
			return err
		}
		if !done {
			break // retried on a later pass, in order
		}
		if matched {
			moved = false // entry wrote the cursor
		} else {
			cursor, moved = seq, true
		}
	}
	if moved {
		return m.cfg.Rules.advance(ctx, rule.Pattern, signer, cursor, false, m.cfg.Now().UTC())
	}
	return nil
}

// entry deals with entry seq of signer's log under rule. matched says
// whether the pattern matched its name (then entry wrote the cursor), done
// whether the cursor may move past it.
func (m *Mirrorer) entry(ctx context.Context, rule Rule, signer string, seq uint64) (matched, done bool, _ error) {
	c, err := m.cfg.Store.LogEntry(ctx, signer, seq)
	if err != nil {
		return false, false, err
	}
	data, err := m.cfg.Store.Block(ctx, c)
	if err != nil {
		return false, false, err
	}
	e, err := dag.DecodeLogEntry(data)
	if err != nil {
		return false, false, err
	}
	if !e.IsRelease() || !rule.Pattern.Match(e.Name) {
		// Yanks, rotations and revocations name no package to keep: what
		// they say is in the log, which the mirror holds and serves.
		return false, true, nil
	}
	now := m.cfg.Now()
	fail := Failure{Signer: signer, Seq: seq, Name: e.Name.String(), Version: e.Version, Package: e.Package}
	for _, f := range rule.Failures {
		if f.Signer == signer && f.Seq == seq && !f.Permanent && now.Sub(f.At) < Backoff(m.cfg.Retry, f.Attempts) {
			return true, false, nil // not yet: this log waits, the others go on
		}
	}
	mirrored, err := m.mirror(ctx, rule, e)
	if err != nil {
		if ctx.Err() != nil {
			return true, false, ctx.Err()
		}
		fail.Error, fail.At = err.Error(), now.UTC()
		fail.Permanent = errors.Is(err, trust.ErrUntrusted) || errors.Is(err, trust.ErrEquivocation) || errors.Is(err, store.ErrNotPackage)
		m.cfg.Log.Warn("not mirrored", "name", e.Ref(), "signer", signer, "seq", seq, "permanent", fail.Permanent, "err", err)
		m.cfg.Count(map[bool]string{true: "refused", false: "failed"}[fail.Permanent])
		if err := m.cfg.Rules.record(ctx, rule.Pattern, fail); err != nil {
			return true, false, err
		}
		return true, fail.Permanent, nil
	}
	m.cfg.Count("mirrored")
	if mirrored {
		m.cfg.Log.Info("mirrored", "name", e.Ref(), "package", e.Package, "signer", signer, "seq", seq)
	}
	if err := m.cfg.Rules.advance(ctx, rule.Pattern, signer, seq, true, now.UTC()); err != nil {
		return true, false, err
	}
	// Retention runs once the cursor is past the entry, so that what it
	// removes is never fetched again; after a crash between the two, the
	// next entry the rule mirrors runs it.
	if err := m.retain(ctx, rule); err != nil && ctx.Err() == nil {
		m.cfg.Log.Warn("retention", "rule", rule.Pattern, "err", err)
	}
	return true, true, nil
}

// mirror fetches e's package with its closure, verified under the policy and
// pinned, makes sure the metadata sets and signatures e names are held, and
// countersigns if the rule says so. It reports whether it fetched.
func (m *Mirrorer) mirror(ctx context.Context, rule Rule, e *dag.LogEntry) (bool, error) {
	pol, err := m.cfg.Policy()
	if err != nil {
		return false, err
	}
	ref := e.Ref()
	if !trust.TrustsKey(pol, e.Name, e.Signer) {
		return false, fmt.Errorf("%w: %s is claimed by %s, which the trust policy does not trust for %s", trust.ErrUntrusted, ref, e.Signer, e.Name)
	}
	if disputes, _, err := trust.Disputes(ctx, m.cfg.Store, pol, ref); err != nil {
		return false, err
	} else if len(disputes) > 0 {
		return false, fmt.Errorf("%w: %s is disputed by %d proof(s) in publisher logs", trust.ErrEquivocation, ref, len(disputes))
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.FetchTimeout)
	defer cancel()
	fetched := false
	if missing, err := m.missing(ctx, e); err != nil {
		return false, err
	} else if missing {
		if err := m.cfg.Fetch(ctx, e.Package, ref); err != nil {
			return false, err
		}
		fetched = true
		if missing, err := m.missing(ctx, e); err != nil {
			return false, err
		} else if missing {
			return false, fmt.Errorf("the metadata sets or signatures entry %d of %s names were not found with the package", e.Seq, e.Signer)
		}
	}
	if rule.Countersign {
		if err := m.countersign(ctx, rule, e); err != nil {
			return fetched, fmt.Errorf("countersign: %w", err)
		}
	}
	return fetched, nil
}

// missing reports whether the package, or a node e names, is not pinned here.
func (m *Mirrorer) missing(ctx context.Context, e *dag.LogEntry) (bool, error) {
	for _, c := range append(append([]cid.Cid{e.Package}, e.Metadata...), e.Signatures...) {
		ok, err := m.cfg.Store.IsPinned(ctx, c)
		if err != nil || !ok {
			return true, err
		}
	}
	return false, nil
}

// countersign signs, in role mirror, each metadata set e names that the
// rule's key has not signed as a mirror yet. Each signature appends to the
// key's log, which the daemon announces.
func (m *Mirrorer) countersign(ctx context.Context, rule Rule, e *dag.LogEntry) error {
	did, err := m.cfg.KeyDID(rule.Key)
	if err != nil {
		return err
	}
	if did == e.Signer {
		return nil // a mirror of its own packages
	}
	for _, meta := range e.Metadata {
		refs, err := m.cfg.Store.Referrers(ctx, meta)
		if err != nil {
			return err
		}
		signed := slices.ContainsFunc(refs, func(c cid.Cid) bool {
			data, err := m.cfg.Store.Block(ctx, c)
			if err != nil {
				return false
			}
			s, err := dag.DecodeSignature(data)
			return err == nil && s.Signer == did && s.Role == dag.RoleMirror
		})
		if signed {
			continue
		}
		if err := m.cfg.Sign(ctx, meta, rule.Key); err != nil {
			return err
		}
	}
	return nil
}

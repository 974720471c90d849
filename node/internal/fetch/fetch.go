package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/lookup"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// DefaultTimeout bounds a fetch when the caller gives no timeout.
const DefaultTimeout = 5 * time.Minute

// Store is what a fetch reads and writes of a repo's store.
type Store interface {
	trust.Store
	LogHead(ctx context.Context, signer string) (store.Head, error)
	Begin(ctx context.Context) (*store.Txn, error)
}

var _ Store = (*store.Store)(nil)

// Config is what a Fetcher works with.
type Config struct {
	Store Store
	Net   Network
	// Policy reads the trust policy at the start of each fetch.
	Policy func() (*sign.Policy, error)
	// Resolve resolves NAME@VERSION in the repo (trust.ResolveRef); a name
	// it does not know (store.ErrNotFound) is asked of peers.
	Resolve func(ctx context.Context, ref dag.Ref) (cid.Cid, error)
	// Events receives Verified for each verdict and Published for each
	// package or content root kept; nil discards.
	Events events.Sink
	// StorageMax, if positive, bounds the repo's disk usage as Usage
	// reports it (docs/repo.md §8): a fetch is refused once usage has
	// reached it, and bounded so that usage plus what it writes stays
	// under it.
	StorageMax uint64
	Usage      func(ctx context.Context) (uint64, error)
	// CatchUp, if set, catches signer's log up to entry seq (head), from
	// peer from, each run of entries in a Txn of its own, and returns once
	// the repo holds it: the daemon's log follower (logsync). A fetch whose
	// verdict is not-logged for a log more than logs.MaxWalk entries ahead,
	// too far to walk in its own Txn, asks it, then fetches again.
	CatchUp func(ctx context.Context, signer string, head cid.Cid, seq uint64, from peer.ID) error
	// Count, if set, counts each fetch by result: kept, untrusted, failed.
	Count func(result string)
	Log   *slog.Logger
}

// Fetcher fetches packages and content into a repo.
type Fetcher struct {
	cfg     Config
	running sync.Map // id -> *running, for Progress
	ids     atomic.Int64
}

// New returns a Fetcher.
func New(cfg Config) *Fetcher {
	if cfg.Events == nil {
		cfg.Events = events.Discard
	}
	if cfg.Count == nil {
		cfg.Count = func(string) {}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Fetcher{cfg: cfg}
}

// Result says what a fetch brought.
type Result struct {
	Package cid.Cid      `json:"package"`
	Name    string       `json:"name"`
	Version string       `json:"version"`
	Blocks  int64        `json:"blocks"`
	Bytes   int64        `json:"bytes"`
	Peers   []string     `json:"peers"`
	Seconds float64      `json:"seconds"`
	Report  *sign.Report `json:"report"`
	// DroppedMetadata counts the metadata sets peers offered that were not
	// kept: no signature by a key the policy names vouches for them.
	DroppedMetadata int64    `json:"droppedMetadata,omitempty"`
	Warnings        []string `json:"warnings,omitempty"`
}

// Fetch gets a package, named by CID or NAME@VERSION, with Package; a raw or
// dag-pb CID is content, fetched with Content. A name is resolved in the
// repo first, then asked of connected peers (/cairn/names/1.0.0); each
// candidate they name is fetched and verified in turn, and the first that
// is trusted and really is NAME@VERSION is kept.
func (f *Fetcher) Fetch(ctx context.Context, target string, timeout time.Duration, opts ...Option) (*Result, error) {
	o := newOptions(opts)
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if !strings.Contains(target, "@") {
		if strings.Contains(target, "/") {
			return nil, fmt.Errorf("%w: %q: expected a CID or NAME@VERSION (add @VERSION)", dag.ErrInvalidName, target)
		}
		c, err := dag.ParseCID(target)
		if err != nil {
			return nil, err
		}
		if dag.CheckContentLink("content", c) == nil {
			return f.Content(ctx, c, timeout)
		}
		return f.Package(ctx, c, nil, timeout, opts...)
	}
	ref, err := dag.ParseRef(target)
	if err != nil {
		return nil, err
	}
	cands, err := f.candidates(ctx, ref)
	if err != nil {
		return nil, err
	}
	var (
		errs      []error
		untrusted *Result // the verdicts to show when every candidate failed
	)
	for _, c := range cands {
		res, err := f.fetchPackage(ctx, c, &ref, timeout, o)
		if err == nil {
			return res, nil
		}
		if errors.Is(err, trust.ErrUntrusted) && res != nil && untrusted == nil {
			untrusted = res
		}
		if errors.Is(err, trust.ErrYanked) {
			return res, err // the version is withdrawn, whichever package it is
		}
		errs = append(errs, fmt.Errorf("candidate %s: %w", c, err))
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 1 {
		return untrusted, errs[0]
	}
	return untrusted, fmt.Errorf("fetch %s: no candidate is a trusted %s: %w", ref, ref, errors.Join(errs...))
}

// candidates returns the package CIDs the repo, then connected peers, map
// ref to: the repo's answer alone if it has one.
func (f *Fetcher) candidates(ctx context.Context, ref dag.Ref) ([]cid.Cid, error) {
	switch c, err := f.cfg.Resolve(ctx, ref); {
	case err == nil:
		return []cid.Cid{c}, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, err // an equivocation is never resolved by asking around
	}
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		cands []cid.Cid
	)
	peers := f.cfg.Net.Peers(lookup.NamesID)
	for _, p := range peers {
		wg.Go(func() {
			cs, err := f.cfg.Net.AskName(ctx, p, ref)
			if err != nil {
				f.cfg.Log.Debug("name lookup failed", "peer", p, "err", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, c := range cs {
				if !slices.ContainsFunc(cands, c.Equals) {
					cands = append(cands, c)
				}
			}
		})
	}
	wg.Wait()
	if len(cands) == 0 {
		return nil, fmt.Errorf("%w: neither this repo nor any of %d connected peers knows %s", store.ErrNotFound, len(peers), ref)
	}
	return cands, nil
}

// Package gets the package c and everything that makes it usable, verified
// before its content is fetched (docs/network.md §8): first the package
// node, the metadata sets that a key the policy names vouches for with
// their signatures, the publisher-log entries of their signers, and the
// same for the packages its trusted metadata sets name as inputs; then, if
// the package is want (when set) and trusted, the content of every package
// taken in, bounded by what their layers declare, each block checked
// against its CID. It pins and indexes it all in one transaction. An
// untrusted package, a timeout, content over its budget or any error leaves
// the repo as it was (the blocks of a failed fetch are rolled back with it,
// so a retry starts over), and an untrusted package's Result holds the
// verdicts.
func (f *Fetcher) Package(ctx context.Context, c cid.Cid, want *dag.Ref, timeout time.Duration, opts ...Option) (*Result, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return f.fetchPackage(ctx, c, want, timeout, newOptions(opts))
}

// fetchPackage is fetchPackageOnce, and once more when the verdict was
// not-logged for a log too far ahead for a fetch to walk in its one Txn,
// after Config.CatchUp has caught it up.
func (f *Fetcher) fetchPackage(ctx context.Context, c cid.Cid, want *dag.Ref, timeout time.Duration, o options) (*Result, error) {
	var far []farLog
	res, err := f.fetchPackageOnce(ctx, c, want, timeout, o, &far)
	if len(far) == 0 || f.cfg.CatchUp == nil || !errors.Is(err, trust.ErrUntrusted) {
		return res, err
	}
	for _, h := range far {
		if cerr := f.catchUp(ctx, c, h); cerr != nil {
			f.cfg.Count("untrusted")
			return res, fmt.Errorf("%w (then catching up %s's log to entry %d failed: %w)", err, h.Signer, h.Seq, cerr)
		}
	}
	return f.fetchPackageOnce(ctx, c, want, timeout, o, nil)
}

// catchUp has Config.CatchUp catch up log h, for the fetch of c, which
// Progress shows meanwhile.
func (f *Fetcher) catchUp(ctx context.Context, c cid.Cid, h farLog) error {
	f.cfg.Log.Info("fetch: catching up a long publisher log first", "signer", h.Signer, "head", h.Seq)
	w := &catchUpWait{signer: h.Signer, head: h.Seq, start: time.Now()}
	if held, err := f.cfg.Store.LogHead(ctx, h.Signer); err == nil {
		w.from = held.Seq
	}
	id := f.ids.Add(1)
	f.running.Store(id, &running{target: c.String(), catchUp: w})
	defer f.running.Delete(id)
	return f.cfg.CatchUp(ctx, h.Signer, h.CID, h.Seq, h.From)
}

// fetchPackageOnce takes in package c, verifies it, and takes in its
// content if it is trusted, in one Txn. far, if not nil, gets the heads of
// the logs that were too far ahead to catch up.
func (f *Fetcher) fetchPackageOnce(ctx context.Context, c cid.Cid, want *dag.Ref, timeout time.Duration, o options, far *[]farLog) (res *Result, err error) {
	pol, err := f.cfg.Policy()
	if err != nil {
		return nil, err
	}
	s, done, err := f.begin(ctx, c, pol, o.transport)
	if err != nil {
		return nil, err
	}
	defer func() { done(err) }()
	if far != nil {
		defer func() {
			*far = s.farLogs()
			s.retry.Store(len(*far) > 0 && f.cfg.CatchUp != nil && errors.Is(err, trust.ErrUntrusted))
		}()
	}

	pkg, err := s.nodes(ctx, c, 0)
	if err != nil {
		return nil, f.failed(ctx, s, c, timeout, err)
	}
	if want != nil && pkg.Ref() != *want {
		return nil, fmt.Errorf("%w: a peer named %s as %s, but it is %s", store.ErrNotPackage, c, want, pkg.Ref())
	}
	rep, err := trust.Verify(ctx, trust.TxSource{Store: f.cfg.Store, Tx: s.tx}, pol, c, f.cfg.Events)
	if err != nil {
		return nil, err
	}
	res = &Result{Package: c, Name: pkg.Name.String(), Version: pkg.Version, Report: rep, DroppedMetadata: s.dropped.Load()}
	if !rep.Trusted() {
		res.Peers = s.peers()
		code, reason := rep.Code, rep.Reason
		if res.DroppedMetadata > 0 && code == sign.CodeNoMetadata {
			code, reason = sign.CodeUntrustedKey, fmt.Sprintf("peers offered %d metadata set(s), none with a valid signature by a key the policy trusts for %s", res.DroppedMetadata, pkg.Name)
		}
		if why := s.whyNotLogged(); code == sign.CodeNotLogged && why != "" {
			reason += " (" + why + ")"
		}
		return res, fmt.Errorf("%w: %s (%s): %s; nothing was kept, and none of its content was fetched", trust.ErrUntrusted, pkg.Ref(), code, reason)
	}
	if want != nil && !o.allowYanked {
		y, err := trust.YankState(ctx, trust.TxIndex{Store: f.cfg.Store, Tx: s.tx}, pol, *want)
		if err != nil {
			return nil, err
		}
		if y.Yanked() {
			return res, fmt.Errorf("%w: %s: %s (withdrawn by %d of the %d keys its rule needs); nothing was kept (--allow-yanked to fetch it anyway)", trust.ErrYanked, want, y.Reason, y.Holders, y.Threshold)
		}
	}
	verified := time.Since(s.start)
	if err := s.content(ctx); err != nil {
		return nil, f.failed(ctx, s, c, timeout, err)
	}
	res.Blocks, res.Bytes, res.Peers = s.counted.blocks.Load(), s.counted.bytes.Load(), s.peers()
	fetched := time.Since(s.start)
	if res.Warnings, err = s.tx.CommitWithWarnings(ctx); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(s.start).Seconds()
	f.cfg.Log.Debug("fetch timing", "package", c, "nodes_and_verdict", verified, "content", fetched-verified,
		"commit", time.Since(s.start)-fetched)
	f.cfg.Events.Emit(events.Published{Root: c}) // provided, as a publish is
	f.cfg.Log.Info("fetched", "package", c, "name", res.Name, "version", res.Version, "blocks", res.Blocks, "bytes", res.Bytes, "seconds", res.Seconds)
	return res, nil
}

// Content gets a UnixFS DAG (a raw or dag-pb CID: content, not a package)
// over bitswap, from any peer that has it, Kubo included, and pins it as
// content in one transaction, within timeout (DefaultTimeout if not
// positive), as Package does. There is nothing to verify beyond the hashes:
// no package, no signatures.
func (f *Fetcher) Content(ctx context.Context, c cid.Cid, timeout time.Duration) (res *Result, err error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s, done, err := f.begin(ctx, c, nil, TransportBitswap)
	if err != nil {
		return nil, err
	}
	defer func() { done(err) }()
	if err := merkledag.FetchGraph(ctx, c, s.dags); err != nil {
		return nil, f.failed(ctx, s, c, timeout, err)
	}
	s.tx.Pin(c, store.PinContent)
	res = &Result{Package: c, Blocks: s.counted.blocks.Load(), Bytes: s.counted.bytes.Load(), Peers: []string{}}
	if res.Warnings, err = s.tx.CommitWithWarnings(ctx); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(s.start).Seconds()
	f.cfg.Events.Emit(events.Published{Root: c})
	f.cfg.Log.Info("fetched content", "cid", c, "blocks", res.Blocks, "bytes", res.Bytes, "seconds", res.Seconds)
	return res, nil
}

// begin starts a fetch of c: its Txn, its session, the DHT lookup of its
// providers and its entry in Progress. done(err) ends it: it counts the
// result, drops the entry and aborts the Txn unless it committed.
func (f *Fetcher) begin(ctx context.Context, c cid.Cid, pol *sign.Policy, t Transport) (*session, func(error), error) {
	sp, err := f.room(ctx, c)
	if err != nil {
		f.cfg.Count("failed")
		return nil, nil, err
	}
	tx, err := f.cfg.Store.Begin(ctx)
	if err != nil {
		return nil, nil, err
	}
	tx.DirectWrites()
	s := newSession(f, tx, pol, t)
	s.space = sp
	s.counted.limit = func(written, n uint64) error { return sp.check(c, written, n) }
	pctx, stopProviders := context.WithCancel(ctx)
	var providers sync.WaitGroup
	providers.Go(func() { f.cfg.Net.FindProviders(pctx, c, &s.providers) })
	id := f.ids.Add(1)
	f.running.Store(id, &running{target: c.String(), s: s})
	return s, func(err error) {
		stopProviders()
		providers.Wait()
		f.running.Delete(id)
		tx.Abort(context.WithoutCancel(ctx))
		switch {
		case s.retry.Load():
			// fetchPackage fetches again, and counts that fetch's result.
		case err == nil:
			f.cfg.Count("kept")
		case errors.Is(err, trust.ErrUntrusted):
			f.cfg.Count("untrusted")
		default:
			f.cfg.Count("failed")
		}
	}, nil
}

// failed explains a fetch that did not complete: at the deadline, with
// what was tried.
func (f *Fetcher) failed(ctx context.Context, s *session, c cid.Cid, timeout time.Duration, err error) error {
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("fetch %s: %w: not complete within %s (%d connected peers, %d providers found in the DHT, %d blocks received)",
			c, context.DeadlineExceeded, timeout, f.cfg.Net.Connected(), s.providers.Load(), s.counted.blocks.Load())
	}
	return fmt.Errorf("fetch %s: %w", c, err)
}

package node

import (
	"context"
	"errors"
	"fmt"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/ipfs/boxo/ipld/merkledag"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/lookup"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/go-cid"
)

// DefaultFetchTimeout bounds a fetch when the caller gives no timeout.
const DefaultFetchTimeout = 5 * time.Minute

// maxInputDepth bounds how far a fetch follows provenance inputs: as far as
// verification does.
const maxInputDepth = sign.MaxProvenanceDepth

// FetchResult says what a fetch brought.
type FetchResult struct {
	Package  cid.Cid      `json:"package"`
	Name     string       `json:"name"`
	Version  string       `json:"version"`
	Blocks   int64        `json:"blocks"`
	Bytes    int64        `json:"bytes"`
	Peers    []string     `json:"peers"`
	Seconds  float64      `json:"seconds"`
	Report   *sign.Report `json:"report"`
	Warnings []string     `json:"warnings,omitempty"`
}

// Fetch gets a package, named by CID or NAME@VERSION, with FetchCID. A name
// is looked up in the repo's index first, then asked of connected peers
// (/cairn/names/1.0.0); each candidate they name is fetched and verified in
// turn, and the first that is trusted and really is NAME@VERSION is kept.
func (d *Daemon) Fetch(ctx context.Context, target string, timeout time.Duration, opts ...FetchOption) (*FetchResult, error) {
	cfg := newFetchConfig(opts)
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if !strings.Contains(target, "@") {
		c, err := d.repo.Resolve(ctx, target)
		if err != nil {
			return nil, err
		}
		if dag.CheckContentLink("content", c) == nil {
			return d.fetchContent(ctx, c, timeout)
		}
		return d.fetchCID(ctx, c, nil, timeout, cfg)
	}
	ref, err := dag.ParseRef(target)
	if err != nil {
		return nil, err
	}
	cands, err := d.nameCandidates(ctx, ref)
	if err != nil {
		return nil, err
	}
	var (
		errs      []error
		untrusted *FetchResult // the verdicts to show when every candidate failed
	)
	for _, c := range cands {
		res, err := d.fetchCID(ctx, c, &ref, timeout, cfg)
		if err == nil {
			return res, nil
		}
		if errors.Is(err, ErrUntrusted) && res != nil && untrusted == nil {
			untrusted = res
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

// nameCandidates returns the package CIDs the repo's index, then connected
// peers, map ref to.
func (d *Daemon) nameCandidates(ctx context.Context, ref dag.Ref) ([]cid.Cid, error) {
	switch c, err := d.repo.ResolveRef(ctx, ref); {
	case err == nil:
		return []cid.Cid{c}, nil
	case !errors.Is(err, ErrNotFound):
		return nil, err // an equivocation is never resolved by asking around
	}
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		cands []cid.Cid
	)
	peers := d.cairnPeers(lookup.NamesID)
	for _, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs, err := lookup.AskName(ctx, d.host, p, ref)
			if err != nil {
				d.log.Debug("name lookup failed", "peer", p, "err", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, c := range cs {
				if !slices.ContainsFunc(cands, c.Equals) {
					cands = append(cands, c)
				}
			}
		}()
	}
	wg.Wait()
	if len(cands) == 0 {
		return nil, fmt.Errorf("%w: neither this repo nor any of %d connected peers knows %s", ErrNotFound, len(peers), ref)
	}
	return cands, nil
}

// fetchCID gets the package c and everything that makes it usable: its content
// (every block, each checked against its CID), the metadata sets and
// signatures its peers know of, and the packages its metadata names as
// inputs. It verifies the package against the repo's policy and then pins and
// indexes it all in one transaction; an untrusted package, a timeout or any
// error leaves the repo as it was. Blocks already in the repo are not fetched
// again; the blocks of a fetch that failed are rolled back with it, so a retry
// starts over (docs/network.md).
func (d *Daemon) fetchCID(ctx context.Context, c cid.Cid, want *dag.Ref, timeout time.Duration, cfg fetchConfig) (res *FetchResult, err error) {
	start := time.Now()
	pol, err := d.repo.Policy()
	if err != nil {
		return nil, err
	}
	tx, err := d.repo.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)

	f := newFetcher(d, tx, pol)
	f.transport = cfg.transport
	var providers atomic.Int64
	go d.findProviders(ctx, c, &providers)
	id := d.fetchIDs.Add(1)
	d.fetches.Store(id, &fetchState{target: c.String(), start: start, f: f})
	defer d.fetches.Delete(id)
	defer func() { d.countFetch(err) }()

	pkg, err := f.fetchPackage(ctx, c, 0)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("fetch %s: %w: not complete within %s (%d connected peers, %d providers found in the DHT, %d blocks received)",
				c, context.DeadlineExceeded, timeout, len(d.host.Network().Peers()), providers.Load(), f.counted.blocks.Load())
		}
		return nil, fmt.Errorf("fetch %s: %w", c, err)
	}
	if want != nil && pkg.Ref() != *want {
		return nil, fmt.Errorf("%w: a peer named %s as %s, but it is %s", ErrNotPackage, c, want, pkg.Ref())
	}
	rep, err := sign.Verify(ctx, txSource{d.repo.store, tx}, pol, c)
	if err != nil {
		return nil, err
	}
	d.repo.countVerdict(rep.Status)
	res = &FetchResult{
		Package: c, Name: pkg.Name.String(), Version: pkg.Version, Report: rep,
		Blocks: f.counted.blocks.Load(), Bytes: f.counted.bytes.Load(), Peers: f.peers(),
	}
	if !rep.Trusted() {
		return res, fmt.Errorf("%w: %s (%s): %s; nothing was kept", ErrUntrusted, pkg.Ref(), rep.Code, rep.Reason)
	}
	fetched := time.Since(start)
	res.Warnings, err = commit(ctx, tx)
	if err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	d.log.Debug("fetch timing", "package", c, "fetch_and_verify", fetched, "commit", time.Since(start)-fetched)
	if announce := d.repo.published.Load(); announce != nil {
		(*announce)(c) // provide it, as a publish is provided
	}
	d.log.Info("fetched", "package", c, "name", res.Name, "version", res.Version, "blocks", res.Blocks, "bytes", res.Bytes, "seconds", res.Seconds)
	return res, nil
}

// findProviders looks c up in the DHT and connects to its providers, so that
// bitswap can ask them too. It counts what it found for the timeout message.
func (d *Daemon) findProviders(ctx context.Context, c cid.Cid, found *atomic.Int64) {
	for ai := range d.dht.FindProvidersAsync(ctx, c, 8) {
		if ai.ID == d.host.ID() {
			continue
		}
		found.Add(1)
		if err := d.host.Connect(ctx, ai); err != nil {
			d.log.Debug("connect to provider", "peer", ai.ID, "err", err)
		}
	}
}

// fetchContent gets a UnixFS DAG (a raw or dag-pb CID: content, not a
// package) over bitswap, from any peer that has it, Kubo included, and pins
// it as content in one transaction. There is nothing to verify beyond the
// hashes: no package, no signatures.
func (d *Daemon) fetchContent(ctx context.Context, c cid.Cid, timeout time.Duration) (res *FetchResult, err error) {
	start := time.Now()
	tx, err := d.repo.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)
	f := newFetcher(d, tx, nil)
	var providers atomic.Int64
	go d.findProviders(ctx, c, &providers)
	id := d.fetchIDs.Add(1)
	d.fetches.Store(id, &fetchState{target: c.String(), start: start, f: f})
	defer d.fetches.Delete(id)
	defer func() { d.countFetch(err) }()
	if err := merkledag.FetchGraph(ctx, c, f.dags); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("fetch %s: %w: not complete within %s (%d connected peers, %d providers found in the DHT, %d blocks received)",
				c, context.DeadlineExceeded, timeout, len(d.host.Network().Peers()), providers.Load(), f.counted.blocks.Load())
		}
		return nil, fmt.Errorf("fetch %s: %w", c, err)
	}
	tx.Pin(c, store.PinContent)
	res = &FetchResult{Package: c, Blocks: f.counted.blocks.Load(), Bytes: f.counted.bytes.Load(), Peers: []string{}}
	if res.Warnings, err = commit(ctx, tx); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	if announce := d.repo.published.Load(); announce != nil {
		(*announce)(c)
	}
	d.log.Info("fetched content", "cid", c, "blocks", res.Blocks, "bytes", res.Bytes, "seconds", res.Seconds)
	return res, nil
}

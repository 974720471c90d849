package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/go-cid"
)

// mirrorRetry is how often the mirror looks again at entries it failed to
// mirror (and at logs, in case a wake-up was missed).
const mirrorRetry = 10 * time.Second

// mirrorFetchTimeout bounds the fetch of one mirrored package.
const mirrorFetchTimeout = 5 * time.Minute

// mirrorBackoff is how long the mirror waits before trying again an entry
// that failed attempts times: 10 s, doubling, at most 10 minutes.
func mirrorBackoff(attempts int) time.Duration {
	d := mirrorRetry
	for i := 1; i < attempts && d < 10*time.Minute; i++ {
		d *= 2
	}
	return min(d, 10*time.Minute)
}

// mirrorer runs the mirror rules in the daemon: for each rule, it walks the
// logs of the keys trusted for its pattern from the rule's cursor to the
// head, and mirrors each entry whose name matches. The cursor moves only
// after an entry is mirrored (committed) or given up on, so a restart or a
// crash resumes where it left off.
type mirrorer struct {
	d    *Daemon
	wake chan struct{}
}

func newMirrorer(d *Daemon) *mirrorer { return &mirrorer{d: d, wake: make(chan struct{}, 1)} }

// poke makes the mirror look at the logs now.
func (m *mirrorer) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *mirrorer) run(ctx context.Context) {
	defer m.d.wg.Done()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.wake:
		case <-t.C:
		}
		if err := m.pass(ctx); err != nil && ctx.Err() == nil {
			m.d.log.Warn("mirror pass", "err", err)
		}
		t.Reset(mirrorRetry)
	}
}

// pass deals with every entry not yet dealt with, rule by rule.
func (m *mirrorer) pass(ctx context.Context) error {
	r := m.d.repo
	rules, err := r.Mirrors(ctx)
	if err != nil || len(rules) == 0 {
		return err
	}
	heads, err := r.store.LogHeads(ctx)
	if err != nil {
		return err
	}
	for _, rule := range rules {
		pol, err := r.Policy()
		if err != nil {
			return err
		}
		for _, h := range heads {
			if !patternTrusts(pol, rule.Pattern, h.Signer) {
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
func (m *mirrorer) follow(ctx context.Context, rule MirrorRule, signer string, head uint64) error {
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
		return m.advance(ctx, rule.Pattern, signer, cursor, false)
	}
	return nil
}

// entry deals with entry seq of signer's log under rule. matched says
// whether the pattern matched its name (then entry wrote the cursor), done
// whether the cursor may move past it.
func (m *mirrorer) entry(ctx context.Context, rule MirrorRule, signer string, seq uint64) (matched, done bool, _ error) {
	r := m.d.repo
	c, err := r.store.LogEntry(ctx, signer, seq)
	if err != nil {
		return false, false, err
	}
	e, err := r.logEntry(ctx, c)
	if err != nil {
		return false, false, err
	}
	if !rule.Pattern.Match(e.Name) {
		return false, true, nil
	}
	fail := MirrorFailure{Signer: signer, Seq: seq, Name: e.Name.String(), Version: e.Version, Package: e.Package}
	for _, f := range rule.Failures {
		if f.Signer == signer && f.Seq == seq && !f.Permanent && time.Since(f.At) < mirrorBackoff(f.Attempts) {
			return true, false, nil // not yet: this log waits, the others go on
		}
	}
	mirrored, err := m.mirror(ctx, rule, e)
	if err != nil {
		if ctx.Err() != nil {
			return true, false, ctx.Err()
		}
		fail.Error = err.Error()
		fail.Permanent = errors.Is(err, ErrUntrusted) || errors.Is(err, ErrEquivocation) || errors.Is(err, ErrNotPackage)
		m.d.log.Warn("not mirrored", "name", e.Ref(), "signer", signer, "seq", seq, "permanent", fail.Permanent, "err", err)
		m.d.counters.mirrored.WithLabelValues(map[bool]string{true: "refused", false: "failed"}[fail.Permanent]).Inc()
		if err := m.record(ctx, rule.Pattern, fail, fail.Permanent); err != nil {
			return true, false, err
		}
		return true, fail.Permanent, nil
	}
	m.d.counters.mirrored.WithLabelValues("mirrored").Inc()
	if mirrored {
		m.d.log.Info("mirrored", "name", e.Ref(), "package", e.Package, "signer", signer, "seq", seq)
	}
	return true, true, m.advance(ctx, rule.Pattern, signer, seq, true)
}

// mirror fetches e's package with its closure, verified under the policy and
// pinned, makes sure the metadata sets and signatures e names are held, and
// countersigns if the rule says so.
func (m *mirrorer) mirror(ctx context.Context, rule MirrorRule, e *dag.LogEntry) (bool, error) {
	r := m.d.repo
	pol, err := r.Policy()
	if err != nil {
		return false, err
	}
	ref := e.Ref()
	if !trustsKey(pol, e.Name, e.Signer) {
		return false, fmt.Errorf("%w: %s is claimed by %s, which the trust policy does not trust for %s", ErrUntrusted, ref, e.Signer, e.Name)
	}
	if evs, err := r.equivocations(ctx, ref, pol); err != nil {
		return false, err
	} else if len(evs) > 0 {
		return false, fmt.Errorf("%w: %s is disputed by %d proof(s) in publisher logs", ErrEquivocation, ref, len(evs))
	}
	ctx, cancel := context.WithTimeout(ctx, mirrorFetchTimeout)
	defer cancel()
	fetched := false
	if missing, err := m.missing(ctx, e); err != nil {
		return false, err
	} else if missing {
		if _, err := m.d.fetchCID(ctx, e.Package, &ref, mirrorFetchTimeout, newFetchConfig(nil)); err != nil {
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
func (m *mirrorer) missing(ctx context.Context, e *dag.LogEntry) (bool, error) {
	for _, c := range append(append([]cid.Cid{e.Package}, e.Metadata...), e.Signatures...) {
		ok, err := m.d.repo.store.IsPinned(ctx, c)
		if err != nil || !ok {
			return true, err
		}
	}
	return false, nil
}

// countersign signs, in role mirror, each metadata set e names that the
// rule's key has not signed as a mirror yet. Each signature appends to the
// key's log, which the daemon announces.
func (m *mirrorer) countersign(ctx context.Context, rule MirrorRule, e *dag.LogEntry) error {
	r := m.d.repo
	key, err := r.key(rule.Key)
	if err != nil {
		return err
	}
	if key.DID() == e.Signer {
		return nil // a mirror of its own packages
	}
	for _, meta := range e.Metadata {
		refs, err := r.store.Referrers(ctx, meta)
		if err != nil {
			return err
		}
		signed := slices.ContainsFunc(refs, func(c cid.Cid) bool {
			data, err := r.store.Block(ctx, c)
			if err != nil {
				return false
			}
			s, err := dag.DecodeSignature(data)
			return err == nil && s.Signer == key.DID() && s.Role == dag.RoleMirror
		})
		if signed {
			continue
		}
		if _, err := r.Sign(ctx, SignRequest{Metadata: meta, Key: rule.Key, Role: dag.RoleMirror}); err != nil {
			return err
		}
	}
	return nil
}

// advance moves pattern's cursor for signer to seq and clears a failure
// recorded for the entry.
func (m *mirrorer) advance(ctx context.Context, pattern sign.Pattern, signer string, seq uint64, mirrored bool) error {
	return m.d.repo.updateMirrors(ctx, func(rules []MirrorRule) ([]MirrorRule, error) {
		for i := range rules {
			if rules[i].Pattern != pattern {
				continue
			}
			if rules[i].Cursors == nil {
				rules[i].Cursors = map[string]uint64{}
			}
			rules[i].Cursors[signer] = max(rules[i].Cursors[signer], seq)
			if mirrored {
				rules[i].Mirrored++
				now := time.Now().UTC()
				rules[i].LastMirrored = &now
				rules[i].Failures = slices.DeleteFunc(rules[i].Failures, func(f MirrorFailure) bool {
					return f.Signer == signer && f.Seq == seq
				})
			}
		}
		return rules, nil
	})
}

// record keeps a failure (counting attempts), and moves the cursor past the
// entry if the failure is permanent.
func (m *mirrorer) record(ctx context.Context, pattern sign.Pattern, f MirrorFailure, permanent bool) error {
	f.At = time.Now().UTC()
	return m.d.repo.updateMirrors(ctx, func(rules []MirrorRule) ([]MirrorRule, error) {
		for i := range rules {
			if rules[i].Pattern != pattern {
				continue
			}
			f.Attempts = 1
			if j := slices.IndexFunc(rules[i].Failures, func(o MirrorFailure) bool { return o.Signer == f.Signer && o.Seq == f.Seq }); j >= 0 {
				f.Attempts = rules[i].Failures[j].Attempts + 1
				rules[i].Failures = slices.Delete(rules[i].Failures, j, j+1)
			}
			rules[i].Failures = append(rules[i].Failures, f)
			if n := len(rules[i].Failures); n > maxMirrorFailures {
				rules[i].Failures = rules[i].Failures[n-maxMirrorFailures:]
			}
			if permanent {
				if rules[i].Cursors == nil {
					rules[i].Cursors = map[string]uint64{}
				}
				rules[i].Cursors[f.Signer] = max(rules[i].Cursors[f.Signer], f.Seq)
			}
		}
		return rules, nil
	})
}

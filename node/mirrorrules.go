package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/go-cid"
)

// mirrorState is the name of the store record holding the mirror rules.
const mirrorState = "mirrors"

// maxMirrorFailures bounds the failures a rule remembers.
const maxMirrorFailures = 50

// MirrorRule says which packages the daemon mirrors (docs/logs.md §6).
type MirrorRule struct {
	Pattern sign.Pattern `json:"pattern"`
	// Countersign: add a signature with role "mirror" to each mirrored
	// metadata set, with Key (the default key when "").
	Countersign bool      `json:"countersign"`
	Key         string    `json:"key,omitempty"`
	Added       time.Time `json:"added"`
	// Cursors hold, per followed key, the seq of the last log entry this
	// rule has dealt with: mirrored, or given up on with a recorded failure.
	Cursors      map[string]uint64 `json:"cursors"`
	Mirrored     int               `json:"mirrored"`
	LastMirrored *time.Time        `json:"lastMirrored,omitempty"`
	Failures     []MirrorFailure   `json:"failures,omitempty"`
}

// MirrorFailure is a log entry a rule could not mirror.
type MirrorFailure struct {
	Signer  string  `json:"signer"`
	Seq     uint64  `json:"seq"`
	Name    string  `json:"name"`
	Version string  `json:"version"`
	Package cid.Cid `json:"package"`
	Error   string  `json:"error"`
	// Permanent: the entry will not be retried (its signer or package is not
	// trusted, or its name is disputed); otherwise it is retried with backoff.
	Permanent bool      `json:"permanent"`
	Attempts  int       `json:"attempts"`
	At        time.Time `json:"at"`
}

// loadMirrors reads the rules; none is an empty list.
func (r *Repo) loadMirrors(ctx context.Context) ([]MirrorRule, error) {
	data, err := r.store.State(ctx, mirrorState)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rules []MirrorRule
	if err := json.Unmarshal(data, &rules); err != nil {
		return nil, fmt.Errorf("mirror rules: %w", err)
	}
	return rules, nil
}

// updateMirrors changes the rules under the repo's mirror lock and writes
// them durably.
func (r *Repo) updateMirrors(ctx context.Context, fn func([]MirrorRule) ([]MirrorRule, error)) error {
	r.mirrorMu.Lock()
	defer r.mirrorMu.Unlock()
	rules, err := r.loadMirrors(ctx)
	if err != nil {
		return err
	}
	if rules, err = fn(rules); err != nil {
		return err
	}
	data, err := json.Marshal(rules)
	if err != nil {
		return err
	}
	return r.store.PutState(ctx, mirrorState, data)
}

// AddMirror makes the daemon mirror the packages whose names match pattern.
func (r *Repo) AddMirror(ctx context.Context, pattern string, countersign bool, key string) (*MirrorRule, error) {
	p, err := sign.ParsePattern(pattern)
	if err != nil {
		return nil, err
	}
	if countersign {
		if _, err := r.key(key); err != nil {
			return nil, fmt.Errorf("countersign key: %w", err)
		}
	}
	rule := MirrorRule{Pattern: p, Countersign: countersign, Key: key, Added: time.Now().UTC().Truncate(time.Second), Cursors: map[string]uint64{}}
	err = r.updateMirrors(ctx, func(rules []MirrorRule) ([]MirrorRule, error) {
		if slices.ContainsFunc(rules, func(m MirrorRule) bool { return m.Pattern == p }) {
			return nil, fmt.Errorf("%w: a mirror of %s exists (cairn mirror rm %s first to change it)", ErrInvalidInput, p, p)
		}
		return append(rules, rule), nil
	})
	if err != nil {
		return nil, err
	}
	if f := r.mirrorsChanged.Load(); f != nil {
		(*f)()
	}
	return &rule, nil
}

// RemoveMirror stops mirroring pattern. What was mirrored stays pinned.
func (r *Repo) RemoveMirror(ctx context.Context, pattern string) error {
	p, err := sign.ParsePattern(pattern)
	if err != nil {
		return err
	}
	return r.updateMirrors(ctx, func(rules []MirrorRule) ([]MirrorRule, error) {
		i := slices.IndexFunc(rules, func(m MirrorRule) bool { return m.Pattern == p })
		if i < 0 {
			return nil, fmt.Errorf("%w: no mirror of %s", ErrNotFound, p)
		}
		return slices.Delete(rules, i, i+1), nil
	})
}

// Mirrors returns the mirror rules.
func (r *Repo) Mirrors(ctx context.Context) ([]MirrorRule, error) {
	r.mirrorMu.Lock()
	defer r.mirrorMu.Unlock()
	rules, err := r.loadMirrors(ctx)
	if rules == nil && err == nil {
		rules = []MirrorRule{}
	}
	return rules, err
}

// MirrorStatus is what `cairn mirror status` shows.
type MirrorStatus struct {
	Rules []MirrorRuleStatus `json:"rules"`
	// Rejected are recent heads of keys the policy does not name (only while
	// a daemon runs).
	Rejected []Rejection `json:"rejected,omitempty"`
}

// MirrorRuleStatus is one rule with its lag per followed log.
type MirrorRuleStatus struct {
	MirrorRule
	Logs []MirrorLogStatus `json:"logs"`
	// Lag is the log entries held but not yet dealt with, over all logs.
	Lag uint64 `json:"lag"`
}

// MirrorLogStatus is how far a rule is behind one log.
type MirrorLogStatus struct {
	Signer string `json:"signer"`
	Head   uint64 `json:"head"`
	Cursor uint64 `json:"cursor"`
	Lag    uint64 `json:"lag"`
}

// MirrorStatus returns each rule with its lag behind the logs of the keys
// the policy trusts for its pattern, and its failures.
func (r *Repo) MirrorStatus(ctx context.Context) (*MirrorStatus, error) {
	rules, err := r.Mirrors(ctx)
	if err != nil {
		return nil, err
	}
	heads, err := r.store.LogHeads(ctx)
	if err != nil {
		return nil, err
	}
	pol, err := r.Policy()
	if err != nil {
		return nil, err
	}
	st := &MirrorStatus{Rules: make([]MirrorRuleStatus, 0, len(rules))}
	for _, rule := range rules {
		rs := MirrorRuleStatus{MirrorRule: rule, Logs: []MirrorLogStatus{}}
		for _, h := range heads {
			if !patternTrusts(pol, rule.Pattern, h.Signer) {
				continue
			}
			ls := MirrorLogStatus{Signer: h.Signer, Head: h.Seq, Cursor: rule.Cursors[h.Signer]}
			if ls.Head > ls.Cursor {
				ls.Lag = ls.Head - ls.Cursor
			}
			rs.Lag += ls.Lag
			rs.Logs = append(rs.Logs, ls)
		}
		st.Rules = append(st.Rules, rs)
	}
	if f := r.rejections.Load(); f != nil {
		st.Rejected = (*f)()
	}
	return st, nil
}

// patternTrusts reports whether pol names did in a rule whose pattern
// overlaps p: the keys whose logs a mirror of p follows.
func patternTrusts(pol *sign.Policy, p sign.Pattern, did string) bool {
	for _, rule := range pol.Rules {
		if slices.Contains(rule.Keys, did) && rule.Pattern.Overlaps(p) {
			return true
		}
	}
	return false
}

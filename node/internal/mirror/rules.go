package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// stateName is the name of the store record holding the mirror rules.
const stateName = "mirrors"

// maxFailures bounds the failures a rule remembers.
const maxFailures = 50

// Rule says which packages the daemon mirrors (docs/logs.md §6).
type Rule struct {
	Pattern sign.Pattern `json:"pattern"`
	// Countersign: add a signature with role "mirror" to each mirrored
	// metadata set, with Key (the default key when "").
	Countersign bool   `json:"countersign"`
	Key         string `json:"key,omitempty"`
	// Keep, if positive, is how many versions of each name the rule
	// matches the repo keeps: the newest by version precedence. MaxBytes,
	// if positive, bounds the content bytes of the versions the rule keeps,
	// over all the names it matches, newest first (retention: retain.go).
	Keep     int       `json:"keep"`
	MaxBytes uint64    `json:"maxBytes"`
	Added    time.Time `json:"added"`
	// Cursors hold, per followed key, the seq of the last log entry this
	// rule has dealt with: mirrored, or given up on with a recorded failure.
	Cursors      map[string]uint64 `json:"cursors"`
	Mirrored     int               `json:"mirrored"`
	LastMirrored *time.Time        `json:"lastMirrored,omitempty"`
	// Removed counts the versions the rule's retention removed.
	Removed  int       `json:"removed"`
	Failures []Failure `json:"failures,omitempty"`
}

// Failure is a log entry a rule could not mirror.
type Failure struct {
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

// StateStore keeps small named records durably (store.Store's State).
type StateStore interface {
	State(ctx context.Context, name string) ([]byte, error)
	PutState(ctx context.Context, name string, v []byte) error
}

var _ StateStore = (*store.Store)(nil)

// Rules are a repo's mirror rules, kept in one durable record. Changes are
// read-modify-write under a lock.
type Rules struct {
	st StateStore
	mu sync.Mutex
}

// NewRules returns the rules kept in st.
func NewRules(st StateStore) *Rules { return &Rules{st: st} }

// load reads the rules; none is an empty list.
func (r *Rules) load(ctx context.Context) ([]Rule, error) {
	data, err := r.st.State(ctx, stateName)
	if errors.Is(err, store.ErrNotFound) {
		return []Rule{}, nil
	}
	if err != nil {
		return nil, err
	}
	var rules []Rule
	if err := json.Unmarshal(data, &rules); err != nil {
		return nil, fmt.Errorf("mirror rules: %w", err)
	}
	return rules, nil
}

// List returns the rules.
func (r *Rules) List(ctx context.Context) ([]Rule, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.load(ctx)
}

// Update changes the rules with fn and writes them durably.
func (r *Rules) Update(ctx context.Context, fn func([]Rule) ([]Rule, error)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	rules, err := r.load(ctx)
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
	return r.st.PutState(ctx, stateName, data)
}

// Add adds a rule for pattern; one for the same pattern must not exist.
func (r *Rules) Add(ctx context.Context, rule Rule) error {
	if rule.Cursors == nil {
		rule.Cursors = map[string]uint64{}
	}
	return r.Update(ctx, func(rules []Rule) ([]Rule, error) {
		if slices.ContainsFunc(rules, func(m Rule) bool { return m.Pattern == rule.Pattern }) {
			return nil, fmt.Errorf("%w: a mirror of %s exists (cairn mirror rm %s first to change it)", errkind.Invalid, rule.Pattern, rule.Pattern)
		}
		return append(rules, rule), nil
	})
}

// Remove removes the rule for pattern. What was mirrored stays pinned.
func (r *Rules) Remove(ctx context.Context, pattern sign.Pattern) error {
	return r.Update(ctx, func(rules []Rule) ([]Rule, error) {
		i := slices.IndexFunc(rules, func(m Rule) bool { return m.Pattern == pattern })
		if i < 0 {
			return nil, fmt.Errorf("%w: no mirror of %s", store.ErrNotFound, pattern)
		}
		return slices.Delete(rules, i, i+1), nil
	})
}

// advance moves pattern's cursor for signer to seq and, when the entry was
// mirrored, counts it and clears a failure recorded for it.
func (r *Rules) advance(ctx context.Context, pattern sign.Pattern, signer string, seq uint64, mirrored bool, now time.Time) error {
	return r.Update(ctx, func(rules []Rule) ([]Rule, error) {
		for i := range rules {
			if rules[i].Pattern != pattern {
				continue
			}
			rules[i].moveCursor(signer, seq)
			if mirrored {
				rules[i].Mirrored++
				rules[i].LastMirrored = &now
				rules[i].Failures = slices.DeleteFunc(rules[i].Failures, func(f Failure) bool {
					return f.Signer == signer && f.Seq == seq
				})
			}
		}
		return rules, nil
	})
}

// record keeps a failure (counting attempts), and moves the cursor past the
// entry if the failure is permanent.
func (r *Rules) record(ctx context.Context, pattern sign.Pattern, f Failure) error {
	return r.Update(ctx, func(rules []Rule) ([]Rule, error) {
		for i := range rules {
			if rules[i].Pattern != pattern {
				continue
			}
			f.Attempts = 1
			if j := slices.IndexFunc(rules[i].Failures, func(o Failure) bool { return o.Signer == f.Signer && o.Seq == f.Seq }); j >= 0 {
				f.Attempts = rules[i].Failures[j].Attempts + 1
				rules[i].Failures = slices.Delete(rules[i].Failures, j, j+1)
			}
			rules[i].Failures = append(rules[i].Failures, f)
			if n := len(rules[i].Failures); n > maxFailures {
				rules[i].Failures = rules[i].Failures[n-maxFailures:]
			}
			if f.Permanent {
				rules[i].moveCursor(f.Signer, f.Seq)
			}
		}
		return rules, nil
	})
}

// moveCursor moves the cursor for signer forward to seq (never back).
func (r *Rule) moveCursor(signer string, seq uint64) {
	if r.Cursors == nil {
		r.Cursors = map[string]uint64{}
	}
	r.Cursors[signer] = max(r.Cursors[signer], seq)
}

// countRemoved adds n to pattern's count of versions retention removed.
func (r *Rules) countRemoved(ctx context.Context, pattern sign.Pattern, n int) error {
	return r.Update(ctx, func(rules []Rule) ([]Rule, error) {
		for i := range rules {
			if rules[i].Pattern == pattern {
				rules[i].Removed += n
			}
		}
		return rules, nil
	})
}

package trust

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// Quiet is a key of a rule and when the node last heard it say its log's
// head (a signed statement: an announcement).
type Quiet struct {
	Signer string     `json:"signer"`
	Heard  *time.Time `json:"heard,omitempty"` // nil: never
}

// Freshness says whether the node has heard from a rule's keys recently
// enough (the rule's max_age; docs/trust.md §7).
type Freshness struct {
	Rule   sign.Pattern `json:"rule"`
	MaxAge string       `json:"maxAge"`
	// Stale: the newest statement of any of the rule's keys is older than
	// MaxAge (or there is none): names under the rule do not resolve.
	Stale bool `json:"stale"`
	// Since is when the newest statement was made; nil if none was heard.
	Since *time.Time `json:"since,omitempty"`
	Keys  []Quiet    `json:"keys"`
}

// Reason says what is stale, for people.
func (f *Freshness) Reason() string {
	since := "never"
	if f.Since != nil {
		since = "since " + dag.FormatTime(*f.Since)
	}
	keys := make([]string, len(f.Keys))
	for i, k := range f.Keys {
		keys[i] = k.Signer
	}
	return fmt.Sprintf("nothing heard from the keys of %s (%s) %s, longer than its max_age %s: the view may be frozen", f.Rule, strings.Join(keys, ", "), since, f.MaxAge)
}

// Fresh returns the freshness of the rule that selects name under pol
// (effective), at now; nil when the rule has no max_age.
func Fresh(ctx context.Context, st Index, pol *sign.Policy, name dag.Name, now time.Time) (*Freshness, error) {
	return FreshRule(ctx, st, pol.RuleFor(name), now)
}

// Heard returns when the newest statement held of signer's head was made;
// nil if none is held.
func Heard(ctx context.Context, st interface {
	Statement(ctx context.Context, signer string) ([]byte, error)
}, signer string) (*time.Time, error) {
	data, err := st.Statement(ctx, signer)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	a, err := dag.DecodeAnnouncement(data)
	if err != nil {
		return nil, nil // a statement that no longer decodes says nothing
	}
	return &a.Created, nil
}

// FreshRule returns the freshness of rule (effective) at now; nil when the
// rule is nil or has no max_age.
func FreshRule(ctx context.Context, st Index, rule *sign.Rule, now time.Time) (*Freshness, error) {
	if rule == nil || rule.MaxAge == "" {
		return nil, nil
	}
	f := &Freshness{Rule: rule.Pattern, MaxAge: rule.MaxAge, Keys: []Quiet{}}
	for _, k := range rule.Keys {
		heard, err := Heard(ctx, st, k)
		if err != nil {
			return nil, err
		}
		if heard != nil && (f.Since == nil || heard.After(*f.Since)) {
			f.Since = heard
		}
		f.Keys = append(f.Keys, Quiet{Signer: k, Heard: heard})
	}
	slices.SortFunc(f.Keys, func(a, b Quiet) int { return strings.Compare(a.Signer, b.Signer) })
	f.Stale = f.Since == nil || now.Sub(*f.Since) > rule.MaxAgeDuration()
	return f, nil
}

package mirror

import (
	"context"
	"time"

	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// RuleStatus is one rule with its lag per followed log.
type RuleStatus struct {
	Rule
	Logs []LogStatus `json:"logs"`
	// Lag is the log entries held but not yet dealt with, over all logs.
	Lag uint64 `json:"lag"`
	// Freshness is, for each policy rule with a max_age whose pattern
	// overlaps the mirror's, whether its keys were heard from recently
	// enough: a stale one means the mirror may be fed a frozen view.
	Freshness []trust.Freshness `json:"freshness,omitempty"`
}

// LogStatus is how far a rule is behind one log.
type LogStatus struct {
	Signer string `json:"signer"`
	Head   uint64 `json:"head"`
	Cursor uint64 `json:"cursor"`
	Lag    uint64 `json:"lag"`
	// Heard is when the newest signed statement of the log's head was
	// made; nil if none is held.
	Heard *time.Time `json:"heard,omitempty"`
}

// Status returns each rule with its lag behind the logs (heads) of the keys
// pol (effective) trusts for its pattern, when each log was last heard
// from, and the freshness of the policy rules it mirrors, at now.
func Status(ctx context.Context, rules *Rules, heads []store.Head, pol *sign.Policy, st trust.Index, now time.Time) ([]RuleStatus, error) {
	list, err := rules.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]RuleStatus, 0, len(list))
	for _, rule := range list {
		rs := RuleStatus{Rule: rule, Logs: []LogStatus{}}
		for _, h := range heads {
			if !trust.PatternTrusts(pol, rule.Pattern, h.Signer) {
				continue
			}
			ls := LogStatus{Signer: h.Signer, Head: h.Seq, Cursor: rule.Cursors[h.Signer]}
			if ls.Heard, err = trust.Heard(ctx, st, h.Signer); err != nil {
				return nil, err
			}
			if ls.Head > ls.Cursor {
				ls.Lag = ls.Head - ls.Cursor
			}
			rs.Lag += ls.Lag
			rs.Logs = append(rs.Logs, ls)
		}
		for i := range pol.Rules {
			pr := &pol.Rules[i]
			if pr.MaxAge == "" || !pr.Pattern.Overlaps(rule.Pattern) {
				continue
			}
			f, err := trust.FreshRule(ctx, st, pr, now)
			if err != nil {
				return nil, err
			}
			rs.Freshness = append(rs.Freshness, *f)
		}
		out = append(out, rs)
	}
	return out, nil
}

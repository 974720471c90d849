package mirror

import (
	"context"

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
}

// LogStatus is how far a rule is behind one log.
type LogStatus struct {
	Signer string `json:"signer"`
	Head   uint64 `json:"head"`
	Cursor uint64 `json:"cursor"`
	Lag    uint64 `json:"lag"`
}

// Status returns each rule with its lag behind the logs (heads) of the keys
// pol trusts for its pattern.
func Status(ctx context.Context, rules *Rules, heads []store.Head, pol *sign.Policy) ([]RuleStatus, error) {
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
			if ls.Head > ls.Cursor {
				ls.Lag = ls.Head - ls.Cursor
			}
			rs.Lag += ls.Lag
			rs.Logs = append(rs.Logs, ls)
		}
		out = append(out, rs)
	}
	return out, nil
}

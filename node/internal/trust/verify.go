package trust

import (
	"context"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/sign"
)

// Verify judges package c against pol with sign.Verify and tells sink of
// the verdict (events.Verified).
func Verify(ctx context.Context, src sign.Source, pol *sign.Policy, c cid.Cid, sink events.Sink) (*sign.Report, error) {
	rep, err := sign.Verify(ctx, src, pol, c)
	if err != nil {
		return nil, err
	}
	sink.Emit(events.Verified{Status: rep.Status})
	return rep, nil
}

// TrustedInputs returns the packages that the valid metadata sets of
// package c name as inputs: what a fetch or an import takes in next. Only
// those count in verification, and a peer's unsigned set naming a CID no one
// has must not stall the walk.
func TrustedInputs(ctx context.Context, src sign.Source, pol *sign.Policy, c cid.Cid) ([]cid.Cid, error) {
	rep, err := sign.Verify(ctx, src, pol, c)
	if err != nil {
		return nil, err
	}
	var out []cid.Cid
	for _, mr := range rep.Metadata {
		if mr.Status == sign.Valid {
			out = append(out, mr.Inputs...)
		}
	}
	return out, nil
}

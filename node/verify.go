package node

import (
	"context"
	"fmt"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/go-cid"
)

// Verify judges the package c against pol (the repo's policy when nil).
func (r *Repo) Verify(ctx context.Context, c cid.Cid, pol *sign.Policy) (*sign.Report, error) {
	if _, err := r.Package(ctx, c); err != nil {
		return nil, err
	}
	if pol == nil {
		var err error
		if pol, err = r.Policy(); err != nil {
			return nil, err
		}
	}
	rep, err := sign.Verify(ctx, verifySource{r}, pol, c)
	if err != nil {
		return nil, err
	}
	r.countVerdict(rep.Status)
	return rep, nil
}

// countVerdict tells a daemon's metrics of a verdict, if a daemon runs.
func (r *Repo) countVerdict(s sign.Status) {
	if f := r.verified.Load(); f != nil {
		(*f)(s)
	}
}

// verifySource lets sign.Verify read the repo. Blocks are returned unchecked:
// the verifier reports a block that does not match its CID as a verdict.
type verifySource struct{ r *Repo }

func (s verifySource) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	b, err := s.r.store.RawBlock(ctx, c)
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: %s", sign.ErrNotFound, c)
	}
	return b, err
}

func (s verifySource) Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error) {
	return s.r.store.Referrers(ctx, c)
}

// Equivocations lets sign.Verify see the proofs the repo holds.
func (s verifySource) Equivocations(ctx context.Context, pol *sign.Policy, name dag.Name, version string) ([]sign.Equivocation, error) {
	return s.r.equivocations(ctx, dag.Ref{Name: name, Version: version}, pol)
}

var _ sign.EquivocationSource = verifySource{}

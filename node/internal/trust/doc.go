// Package trust is what a repo trusts, decided over its store: the Sources
// through which sign.Verify reads packages, metadata sets, signatures and
// proofs of equivocation (committed, or still inside a Txn), and the
// resolution of NAME@VERSION from the claims of publisher logs and the
// repo's own name index, never past a proof of equivocation. The rules
// themselves are specified in docs/trust.md and docs/logs.md.
//
//	src := trust.StoreSource{Store: st}
//	report, err := sign.Verify(ctx, src, pol, pkg)
//	v, err := trust.ResolveVersion(ctx, st, pol, ref) // v.Status: trusted, equivocation, …
package trust

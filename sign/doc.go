// Package sign holds Cairn's keys, signatures and trust policy.
//
// Keys are Ed25519, stored as PEM PKCS #8 files (mode 0600) in a KeyStore and named
// by their did:key. A Signature (package dag) signs one metadata set's CID; Sign
// makes one and VerifySignature checks its bytes. Whether a valid signature counts
// is the Policy's call: TOML rules that map namespace patterns to keys, roles and a
// k-of-n threshold. Verify walks a package's metadata sets, their signatures and the
// packages of its provenance chain, and returns a Report with a verdict (valid,
// invalid, untrusted) and a reason for each.
//
//	k, _ := sign.GenerateKey()
//	sig, _ := sign.Sign(k, metadataCID, dag.RolePublisher, time.Now())
//	pol := &sign.Policy{Version: sign.PolicyVersion}
//	_ = pol.AddKey("acme/*", k.DID(), 1, nil)
//	report, err := sign.Verify(ctx, repo, pol, packageCID)
//	if err == nil && report.Trusted() { ... }
//
// The formats and rules are specified in docs/trust.md and docs/formats.md.
package sign

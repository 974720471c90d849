package sign

import (
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
)

// Status is the verdict on one signature, metadata set or package.
type Status string

// The verdicts. Every verdict other than Valid comes with a Code and a Reason.
const (
	// Valid: a signature that verifies from a key the policy trusts for the package,
	// a metadata set with enough such signatures, a package with such a metadata set
	// (and whose inputs are all trusted).
	Valid Status = "valid"
	// Invalid: something is wrong with the bytes: a corrupt block, a signature that
	// does not verify, a node that names another subject.
	Invalid Status = "invalid"
	// Untrusted: nothing is wrong with the bytes, but the policy does not accept them.
	Untrusted Status = "untrusted"
)

// Code says why a verdict is not Valid, in a word a script can test.
type Code string

// Reason codes, documented in docs/trust.md.
const (
	CodeOK              Code = ""
	CodeCorrupt         Code = "corrupt-block"     // bytes do not hash to their CID
	CodeMalformed       Code = "malformed"         // bytes do not decode as the expected node
	CodeMissing         Code = "missing"           // a node is not in the repo
	CodeSubjectMismatch Code = "subject-mismatch"  // a node is attached to something it does not name
	CodeBadSignature    Code = "bad-signature"     // signature bytes do not verify over the node
	CodeUnknownAlg      Code = "unknown-algorithm" // not ed25519
	CodeBadSigner       Code = "bad-signer"        // signer is not an Ed25519 did:key
	CodeUntrustedKey    Code = "untrusted-key"     // the policy does not list the key for this package
	CodeRoleNotAllowed  Code = "role-not-allowed"  // the key is listed, but not in this role
	CodeBelowThreshold  Code = "below-threshold"   // fewer valid signatures than the rule's threshold
	CodeNoRule          Code = "no-rule"           // no policy rule selects the package
	CodeNoMetadata      Code = "no-metadata"       // no metadata set names the package
	CodeInputUntrusted  Code = "input-untrusted"   // a package in the provenance chain is not trusted
	CodeCycle           Code = "provenance-cycle"  // the provenance chain loops back on itself
	CodeTooDeep         Code = "provenance-too-deep"
	CodeEquivocation    Code = "equivocation" // signed log entries name two packages for this name@version, each with the rule's threshold
	CodeNotLogged       Code = "not-logged"   // the signer's publisher log does not name the signature (require_log)
	CodeRevokedKey      Code = "revoked-key"  // the key was revoked from the entry that names the signature on
)

// Report is the verdict on a package: every metadata set that names it, with each
// signature, and the verdict of each package in its provenance chain.
type Report struct {
	CID     cid.Cid `json:"cid"`
	Name    string  `json:"name,omitempty"`
	Version string  `json:"version,omitempty"`
	Status  Status  `json:"status"`
	Code    Code    `json:"code,omitempty"`
	Reason  string  `json:"reason,omitempty"`
	// Rule is the pattern of the policy rule that applied, if any.
	Rule      string           `json:"rule,omitempty"`
	Threshold int              `json:"threshold,omitempty"`
	Metadata  []MetadataReport `json:"metadata"`
	// Inputs are the reports of the packages the trusted metadata sets name as inputs.
	Inputs []*Report `json:"inputs,omitempty"`
	// Equivocations are proofs, from publisher logs, that Name@Version is
	// disputed under the rule: signed entries name different packages, each
	// claimed by enough trusted keys to meet the threshold. With any, the
	// verdict is invalid (CodeEquivocation) whatever the signatures say.
	Equivocations []Equivocation `json:"equivocations,omitempty"`
	// Evidence are proofs against single keys (a fork, or a rival claim
	// signed by fewer keys than the threshold): kept and shown, they do not
	// dispute the name, and the verdict does not depend on them.
	Evidence []Equivocation `json:"evidence,omitempty"`
	// Yank, set by a node that holds publisher logs, says that keys of the
	// rule withdrew Name@Version (docs/trust.md §6.3): "yanked" when they
	// meet the threshold, "pending" when fewer did. A yanked package is
	// still trusted; installing it by name is refused.
	Yank *Yank `json:"yank,omitempty"`
}

// The statuses of a Yank.
const (
	// YankYanked: keys of the rule that meet its threshold withdrew it.
	YankYanked = "yanked"
	// YankPending: some keys of the rule withdrew it, fewer than the
	// threshold: shown, and nothing is refused.
	YankPending = "pending"
)

// Yank is the withdrawal of a name@version by keys of its rule.
type Yank struct {
	Status string `json:"status"` // YankYanked or YankPending
	// Reason is the reason of the latest yank entry that counts (by the
	// time it says it was made).
	Reason string `json:"reason,omitempty"`
	// Signers are the keys of the rule whose logs last said yank.
	Signers []string `json:"signers"`
	// Holders counts them as the threshold does: a key and the key it
	// rotated to are one holder.
	Holders int `json:"holders"`
	// Threshold is the rule's.
	Threshold int `json:"threshold"`
}

// Yanked reports whether y withdraws the version.
func (y *Yank) Yanked() bool { return y != nil && y.Status == YankYanked }

// AddEquivocations records proofs of equivocation about the report's
// name@version and makes the verdict invalid: a package whose name two signed
// entries dispute is never silently trusted.
func (r *Report) AddEquivocations(es []Equivocation) {
	if len(es) == 0 {
		return
	}
	r.Equivocations = append(r.Equivocations, es...)
	r.Status, r.Code = statusOf(CodeEquivocation), CodeEquivocation
	r.Reason = fmt.Sprintf("%s@%s is disputed: %d proof(s) of equivocation in publisher logs (signed entries naming different packages)", r.Name, r.Version, len(r.Equivocations))
}

// Trusted reports whether the package may be used under the policy.
func (r *Report) Trusted() bool { return r.Status == Valid }

// MetadataReport is the verdict on one metadata set.
type MetadataReport struct {
	CID        cid.Cid           `json:"cid"`
	Kind       string            `json:"kind,omitempty"`
	Created    *time.Time        `json:"created,omitempty"`
	Status     Status            `json:"status"`
	Code       Code              `json:"code,omitempty"`
	Reason     string            `json:"reason,omitempty"`
	Inputs     []cid.Cid         `json:"inputs,omitempty"`
	Valid      int               `json:"validSignatures"`
	Signatures []SignatureReport `json:"signatures"`
}

// SignatureReport is the verdict on one signature.
type SignatureReport struct {
	CID     cid.Cid    `json:"cid"`
	Signer  string     `json:"signer,omitempty"`
	Role    string     `json:"role,omitempty"`
	Created *time.Time `json:"created,omitempty"`
	Status  Status     `json:"status"`
	Code    Code       `json:"code,omitempty"`
	Reason  string     `json:"reason,omitempty"`
}

package dag

import (
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
)

// SignatureType is the "type" field of a Signature node.
const SignatureType = "cairn/signature@1"

// AlgEd25519 is the only signature algorithm of this version.
const AlgEd25519 = "ed25519"

// SigningDomain prefixes the signed bytes, so a Cairn signature can never be
// mistaken for a signature over anything else.
const SigningDomain = "cairn-signature@1\x00"

// Well-known signature roles (docs/trust.md). Any other non-empty role is allowed.
const (
	RolePublisher = "publisher"
	RoleBuilder   = "builder"
	RoleAuditor   = "auditor"
	RoleMirror    = "mirror"
)

// Signature is layer 3: one signer's signature over one metadata set's CID.
// A metadata set has any number of signatures; each is its own node.
type Signature struct {
	Subject cid.Cid
	Signer  string
	Alg     string
	Created time.Time
	Role    string
	Sig     []byte
}

type signatureWire struct {
	Type    string
	Subject cid.Cid
	Signer  string
	Alg     string
	Created string
	Role    string
	Sig     []byte
}

type payloadWire struct {
	Type    string
	Subject cid.Cid
	Signer  string
	Alg     string
	Created string
	Role    string
}

var (
	signatureProto = prototype((*signatureWire)(nil), "Signature")
	payloadProto   = prototype((*payloadWire)(nil), "SignaturePayload")
)

// Validate checks the rules of docs/formats.md that the schema alone does not.
// It does not check the signature itself: that is the sign package's job.
func (s *Signature) Validate() error {
	if !s.Subject.Defined() {
		return fmt.Errorf("%w: signature has no subject", ErrInvalidField)
	}
	if err := CheckNodeLink("subject", s.Subject); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"signer", s.Signer}, {"alg", s.Alg}, {"role", s.Role}} {
		if err := checkField(f.name, f.v, true); err != nil {
			return err
		}
	}
	if len(s.Sig) > 512 {
		return fmt.Errorf("%w: sig is %d bytes", ErrTooLarge, len(s.Sig))
	}
	return nil
}

// SigningPayload returns the bytes a signer signs: SigningDomain followed by the
// DAG-CBOR encoding of every field of the signature but sig.
func (s *Signature) SigningPayload() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	w := &payloadWire{
		Type: SignatureType, Subject: s.Subject, Signer: s.Signer,
		Alg: s.Alg, Created: FormatTime(s.Created), Role: s.Role,
	}
	b, _, err := encode(w, payloadProto)
	if err != nil {
		return nil, err
	}
	return append([]byte(SigningDomain), b...), nil
}

// Encode validates s and returns its canonical bytes and CID.
func (s *Signature) Encode() ([]byte, cid.Cid, error) {
	if err := s.Validate(); err != nil {
		return nil, cid.Undef, err
	}
	if len(s.Sig) == 0 {
		return nil, cid.Undef, fmt.Errorf("%w: signature is not signed", ErrInvalidField)
	}
	w := &signatureWire{
		Type: SignatureType, Subject: s.Subject, Signer: s.Signer,
		Alg: s.Alg, Created: FormatTime(s.Created), Role: s.Role, Sig: s.Sig,
	}
	return encode(w, signatureProto)
}

// DecodeSignature parses and validates untrusted bytes as a Signature.
func DecodeSignature(data []byte) (*Signature, error) {
	v, err := decode(data, signatureProto, SignatureType)
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	w := v.(*signatureWire)
	if w.Type != SignatureType {
		return nil, fmt.Errorf("%w: type %q, expected %q", ErrWrongKind, w.Type, SignatureType)
	}
	created, err := ParseTime(w.Created)
	if err != nil {
		return nil, err
	}
	s := &Signature{Subject: w.Subject, Signer: w.Signer, Alg: w.Alg, Created: created, Role: w.Role, Sig: w.Sig}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	// Encode refuses an empty sig, so a node with one must not decode either:
	// every decoded node re-encodes to its own bytes.
	if len(s.Sig) == 0 {
		return nil, fmt.Errorf("%w: signature is not signed", ErrInvalidField)
	}
	return s, nil
}

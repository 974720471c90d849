package dag

import (
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
)

// RevocationType is the "type" field of a Revocation.
const RevocationType = "cairn/revocation@1"

// RevocationSigningDomain prefixes the bytes a revocation's signature covers.
const RevocationSigningDomain = "cairn-revocation@1\x00"

// MaxRevocationSize bounds an encoded revocation, which may arrive unasked.
const MaxRevocationSize = 2 << 10

// Revocation says that a key is revoked: the entries of its publisher log
// from Since on, and the signatures they name, are no longer trusted. It is
// signed by the key itself, so it can be made in advance and kept offline
// (a kill switch, like an OpenPGP revocation certificate), and it needs no
// place in the log to count.
type Revocation struct {
	Signer  string
	Since   uint64
	Reason  string
	Created time.Time
	Sig     []byte
}

type revocationWire struct {
	Type    string
	Signer  string
	Since   int64
	Reason  string
	Created string
	Sig     []byte
}

type revocationPayloadWire struct {
	Type    string
	Signer  string
	Since   int64
	Reason  string
	Created string
}

var (
	revocationProto        = prototype((*revocationWire)(nil), "Revocation")
	revocationPayloadProto = prototype((*revocationPayloadWire)(nil), "RevocationPayload")
)

// Validate checks the rules the schema alone does not.
func (r *Revocation) Validate() error {
	if err := checkField("signer", r.Signer, true); err != nil {
		return err
	}
	if r.Since < 1 || r.Since > maxSeq {
		return fmt.Errorf("%w: revocation since %d: expected 1 to %d", ErrInvalidField, r.Since, uint64(maxSeq))
	}
	if err := checkText("reason", r.Reason, false, MaxReasonLength); err != nil {
		return err
	}
	if len(r.Sig) > 512 {
		return fmt.Errorf("%w: sig is %d bytes", ErrTooLarge, len(r.Sig))
	}
	return nil
}

func (r *Revocation) payloadWire() *revocationPayloadWire {
	return &revocationPayloadWire{Type: RevocationType, Signer: r.Signer, Since: int64(r.Since), Reason: r.Reason, Created: FormatTime(r.Created)}
}

// SigningPayload returns the bytes the key signs: RevocationSigningDomain
// followed by the DAG-CBOR encoding of every field but sig.
func (r *Revocation) SigningPayload() ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	b, _, err := encode(r.payloadWire(), revocationPayloadProto)
	if err != nil {
		return nil, err
	}
	return append([]byte(RevocationSigningDomain), b...), nil
}

// Encode validates r and returns its canonical bytes and CID.
func (r *Revocation) Encode() ([]byte, cid.Cid, error) {
	if err := r.Validate(); err != nil {
		return nil, cid.Undef, err
	}
	if len(r.Sig) == 0 {
		return nil, cid.Undef, fmt.Errorf("%w: revocation is not signed", ErrInvalidField)
	}
	p := r.payloadWire()
	return encode(&revocationWire{Type: p.Type, Signer: p.Signer, Since: p.Since, Reason: p.Reason, Created: p.Created, Sig: r.Sig}, revocationProto)
}

// DecodeRevocation parses and validates untrusted bytes as a Revocation. It
// does not check the signature: sign.VerifyRevocation does.
func DecodeRevocation(data []byte) (*Revocation, error) {
	if len(data) > MaxRevocationSize {
		return nil, fmt.Errorf("%w: revocation is %d bytes, limit %d", ErrTooLarge, len(data), MaxRevocationSize)
	}
	v, err := decode(data, revocationProto, RevocationType)
	if err != nil {
		return nil, fmt.Errorf("revocation: %w", err)
	}
	w := v.(*revocationWire)
	if w.Type != RevocationType {
		return nil, fmt.Errorf("%w: type %q, expected %q", ErrWrongKind, w.Type, RevocationType)
	}
	if w.Since < 1 {
		return nil, fmt.Errorf("%w: revocation since %d", ErrInvalidField, w.Since)
	}
	created, err := ParseTime(w.Created)
	if err != nil {
		return nil, err
	}
	r := &Revocation{Signer: w.Signer, Since: uint64(w.Since), Reason: w.Reason, Created: created, Sig: w.Sig}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if len(r.Sig) == 0 {
		return nil, fmt.Errorf("%w: revocation is not signed", ErrInvalidField)
	}
	return r, nil
}

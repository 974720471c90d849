package sign

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// DSSE (Dead Simple Signing Envelope, github.com/secure-systems-lab/dsse)
// wraps in-toto statements. Cairn signs envelopes with its Ed25519 keys and
// names each signature's key by its did:key (docs/metadata.md).

// Envelope is a DSSE envelope (JSON: payloadType, payload in base64,
// signatures [{keyid, sig}]).
type Envelope = dsse.Envelope

// DSSEPayloadInToto is the payloadType of an envelope around an in-toto
// statement.
const DSSEPayloadInToto = "application/vnd.in-toto+json"

// PAE is DSSE's pre-authentication encoding, the bytes a DSSE signature
// signs: "DSSEv1 <len> <type> <len> <payload>".
func PAE(payloadType string, payload []byte) []byte { return dsse.PAE(payloadType, payload) }

// dsseSigner makes a Key a dsse.Signer whose keyid is the key's did:key.
type dsseSigner struct{ k *Key }

func (s dsseSigner) Sign(_ context.Context, data []byte) ([]byte, error) { return s.k.sign(data), nil }
func (s dsseSigner) KeyID() (string, error)                              { return s.k.DID(), nil }

// SignEnvelope wraps payload in a DSSE envelope signed by k (keyid: its
// did:key).
func SignEnvelope(ctx context.Context, k *Key, payloadType string, payload []byte) (*Envelope, error) {
	es, err := dsse.NewEnvelopeSigner(dsseSigner{k})
	if err != nil {
		return nil, err
	}
	return es.SignPayload(ctx, payloadType, payload)
}

// ParseEnvelope reads a DSSE envelope: a JSON object with a payloadType, a
// payload in standard or URL-safe base64, and signatures. It returns the
// envelope and its decoded payload.
func ParseEnvelope(data []byte) (*Envelope, []byte, error) {
	var env Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrMalformedEnvelope, err)
	}
	if env.PayloadType == "" {
		return nil, nil, fmt.Errorf("%w: no payloadType", ErrMalformedEnvelope)
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: payload: %w", ErrMalformedEnvelope, err)
	}
	return &env, payload, nil
}

// EnvelopeSignature is the verdict on one signature of an envelope.
type EnvelopeSignature struct {
	KeyID string `json:"keyid"`
	Sig   []byte `json:"sig"`
	// Verified: KeyID is a did:key and Sig verifies over the envelope's PAE
	// with its key.
	Verified bool `json:"verified"`
	// Reason says why a signature was not verified.
	Reason string `json:"reason,omitempty"`
}

// VerifyEnvelope checks each signature of env whose keyid is a did:key
// against PAE(payloadType, payload). A signature with another keyid cannot
// be checked here and is returned unverified, with the reason; one whose
// did:key does not verify, or whose sig is not base64, fails the whole
// envelope (ErrBadSignature).
func VerifyEnvelope(env *Envelope) ([]EnvelopeSignature, error) {
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrMalformedEnvelope, err)
	}
	pae := PAE(env.PayloadType, payload)
	out := make([]EnvelopeSignature, 0, len(env.Signatures))
	for i, s := range env.Signatures {
		sig, err := decodeB64(s.Sig)
		if err != nil {
			return nil, fmt.Errorf("%w: signature %d (keyid %q): sig is not base64", ErrMalformedEnvelope, i, s.KeyID)
		}
		v := EnvelopeSignature{KeyID: s.KeyID, Sig: sig}
		pub, err := ParseDID(s.KeyID)
		switch {
		case err != nil:
			v.Reason = "keyid is not a did:key, so cairn cannot check it"
		case !ed25519.Verify(pub, pae, sig):
			return nil, fmt.Errorf("%w: dsse signature %d by %s", ErrBadSignature, i, s.KeyID)
		default:
			v.Verified = true
		}
		out = append(out, v)
	}
	return out, nil
}

// decodeB64 decodes standard or URL-safe base64, as DSSE allows.
func decodeB64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil {
		return b, nil
	}
	return base64.URLEncoding.DecodeString(s)
}

// EnvelopeSignatureWire is one {keyid, sig} of an envelope, as on the wire.
type EnvelopeSignatureWire = dsse.Signature

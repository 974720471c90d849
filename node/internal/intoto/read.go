package intoto

import (
	"bytes"
	"encoding/json"
	"fmt"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cairnpkg/cairn/sign"
)

// MaxStatementSize bounds a statement or envelope file: its bytes are kept
// in a metadata set, which is at most dag.MaxNodeSize.
const MaxStatementSize = 768 << 10

// Validate parses data as an in-toto Statement with the in-toto library and
// runs its Validate, and, when the predicate is SLSA Provenance v1, the
// library's provenance Validate too. Fields the library does not know are
// ignored, as the in-toto spec asks of consumers.
func Validate(data []byte) (*ita.Statement, error) {
	var st ita.Statement
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidStatement, err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidStatement, err)
	}
	if st.GetPredicateType() == PredicateSLSA {
		pj, err := protojson.Marshal(st.GetPredicate())
		if err != nil {
			return nil, fmt.Errorf("%w: predicate: %w", ErrInvalidStatement, err)
		}
		var p slsa.Provenance
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(pj, &p); err != nil {
			return nil, fmt.Errorf("%w: slsa provenance: %w", ErrInvalidStatement, err)
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("%w: slsa provenance: %w", ErrInvalidStatement, err)
		}
	}
	return &st, nil
}

// Attestation is a statement read from a file.
type Attestation struct {
	// Statement is the statement's exact bytes (the DSSE payload, when the
	// file was an envelope).
	Statement []byte
	Parsed    *ita.Statement
	// Predicate is the predicate as JSON values (numbers kept exact).
	Predicate map[string]any
	// Envelope and Signatures are set when the file was a DSSE envelope.
	Envelope   *sign.Envelope
	Signatures []sign.EnvelopeSignature
}

// Unverified returns the keyids of the envelope's signatures Cairn could
// not check (keyids that are not did:keys).
func (a *Attestation) Unverified() []string {
	var out []string
	for _, s := range a.Signatures {
		if !s.Verified {
			out = append(out, s.KeyID)
		}
	}
	return out
}

// Read parses a file that is an in-toto Statement, or a DSSE envelope whose
// payloadType is application/vnd.in-toto+json around one. Every envelope
// signature whose keyid is a did:key must verify (sign.ErrBadSignature
// otherwise); the others are returned unverified.
func Read(data []byte) (*Attestation, error) {
	if len(data) > MaxStatementSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrInvalidStatement, len(data), MaxStatementSize)
	}
	var probe struct {
		PayloadType *string `json:"payloadType"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %w", ErrInvalidStatement, err)
	}
	a := &Attestation{Statement: data}
	if probe.PayloadType != nil {
		env, payload, err := sign.ParseEnvelope(data)
		if err != nil {
			return nil, err
		}
		if env.PayloadType != sign.DSSEPayloadInToto {
			return nil, fmt.Errorf("%w: dsse payloadType %q, expected %q", ErrInvalidStatement, env.PayloadType, sign.DSSEPayloadInToto)
		}
		if len(env.Signatures) == 0 {
			return nil, fmt.Errorf("%w: dsse envelope without signatures", ErrInvalidStatement)
		}
		sigs, err := sign.VerifyEnvelope(env)
		if err != nil {
			return nil, err
		}
		a.Statement, a.Envelope, a.Signatures = payload, env, sigs
	}
	st, err := Validate(a.Statement)
	if err != nil {
		return nil, err
	}
	a.Parsed = st
	var raw struct {
		Predicate map[string]any `json:"predicate"`
	}
	d := json.NewDecoder(bytes.NewReader(a.Statement))
	d.UseNumber()
	if err := d.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidStatement, err)
	}
	a.Predicate = raw.Predicate
	return a, nil
}

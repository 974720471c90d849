package sign_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
)

// The PAE example of the DSSE specification (protocol.md, "Test Vectors").
func TestPAESpecVector(t *testing.T) {
	got := string(sign.PAE("http://example.com/HelloWorld", []byte("hello world")))
	if want := "DSSEv1 29 http://example.com/HelloWorld 11 hello world"; got != want {
		t.Fatalf("PAE = %q, want %q", got, want)
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	ctx := context.Background()
	k := signtest.Key(t, 1)
	payload := []byte(`{"_type":"https://in-toto.io/Statement/v1"}`)
	env, err := sign.SignEnvelope(ctx, k, sign.DSSEPayloadInToto, payload)
	if err != nil {
		t.Fatal(err)
	}
	if len(env.Signatures) != 1 || env.Signatures[0].KeyID != k.DID() {
		t.Fatalf("signatures = %+v, want one by %s", env.Signatures, k.DID())
	}
	// Ed25519 is deterministic: the signature over the PAE never changes
	// (checked once with Python's cryptography package, independently).
	const wantSig = "na4KUAOU273e7aNiTfRtScPbVeszIazKO/KWoTvTVFB5Ph1fGHweyiDDVyPTHs25wKlH4aFAeAaH8wlTN0zpBw=="
	if env.Signatures[0].Sig != wantSig {
		t.Fatalf("sig = %s, want %s", env.Signatures[0].Sig, wantSig)
	}
	data, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	back, got, err := sign.ParseEnvelope(data)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(payload) {
		t.Fatalf("payload = %q, want %q", got, payload)
	}
	sigs, err := sign.VerifyEnvelope(back)
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 1 || !sigs[0].Verified {
		t.Fatalf("verdicts = %+v, want one verified", sigs)
	}
}

func TestVerifyEnvelopeRefusals(t *testing.T) {
	ctx := context.Background()
	k := signtest.Key(t, 1)
	payload := []byte(`{"a":1}`)
	env, err := sign.SignEnvelope(ctx, k, sign.DSSEPayloadInToto, payload)
	if err != nil {
		t.Fatal(err)
	}
	other := signtest.Key(t, 2)
	tests := []struct {
		name     string
		edit     func(e *sign.Envelope)
		wantErr  error
		verified bool
	}{
		{"intact", func(*sign.Envelope) {}, nil, true},
		{"payload changed", func(e *sign.Envelope) {
			e.Payload = base64.StdEncoding.EncodeToString([]byte(`{"a":2}`))
		}, sign.ErrBadSignature, false},
		{"payload type changed", func(e *sign.Envelope) { e.PayloadType = "application/json" }, sign.ErrBadSignature, false},
		{"keyid of another key", func(e *sign.Envelope) { e.Signatures[0].KeyID = other.DID() }, sign.ErrBadSignature, false},
		{"sig not base64", func(e *sign.Envelope) { e.Signatures[0].Sig = "!!" }, sign.ErrMalformedEnvelope, false},
		{"keyid not a did:key", func(e *sign.Envelope) { e.Signatures[0].KeyID = "SHA256:abc" }, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := *env
			e.Signatures = append([]sign.EnvelopeSignatureWire(nil), env.Signatures...)
			tt.edit(&e)
			sigs, err := sign.VerifyEnvelope(&e)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && sigs[0].Verified != tt.verified {
				t.Fatalf("verified = %v, want %v (%s)", sigs[0].Verified, tt.verified, sigs[0].Reason)
			}
		})
	}
}

func TestParseEnvelopeRefusals(t *testing.T) {
	for name, data := range map[string]string{
		"not json":        `nope`,
		"no payloadType":  `{"payload":"e30=","signatures":[]}`,
		"payload not b64": `{"payloadType":"x","payload":"@@","signatures":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := sign.ParseEnvelope([]byte(data))
			if !errors.Is(err, sign.ErrMalformedEnvelope) || !errors.Is(err, errkind.Invalid) {
				t.Fatalf("err = %v, want ErrMalformedEnvelope", err)
			}
		})
	}
}

package sign

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
)

// update rewrites the golden files in testdata. A signature published once must keep
// verifying forever, so run with -update only to add a fixture, and review the diff.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const goldenDir = "testdata"

// goldenMetadataCID is the metadata fixture of dag's golden files: a fixed subject.
const goldenMetadataCID = "bafyreialtfhvekwrpqgwglzrkcmdci636syqcwjhwnlqmo6zswyylzlcuu"

func mustCID(t testing.TB, s string) cid.Cid {
	t.Helper()
	c, err := cid.Decode(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// goldenSignature is testKey(t, 1)'s publisher signature over the fixed metadata CID
// at dagtest.Time(). Ed25519 is deterministic, so its bytes never change.
func goldenSignature(t testing.TB) *dag.Signature {
	t.Helper()
	s, err := Sign(testKey(t, 1), mustCID(t, goldenMetadataCID), dag.RolePublisher, dagtest.Time())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readGoldenFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, name))
	if err != nil {
		t.Fatalf("%v (run go test ./sign -run TestSignGolden -update to create it)", err)
	}
	return strings.TrimSpace(string(b))
}

func writeGoldenFile(t testing.TB, name, text string) {
	t.Helper()
	if err := os.MkdirAll(goldenDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(goldenDir, name), []byte(text+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSignGolden(t *testing.T) {
	s := goldenSignature(t)
	b, c := dagtest.MustEncode(t, s)
	payload, err := s.SigningPayload()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		writeGoldenFile(t, "signature.hex", hex.EncodeToString(b))
		writeGoldenFile(t, "signature.cid", c.String())
		writeGoldenFile(t, "signing-payload.hex", hex.EncodeToString(payload))
	}
	if got, want := hex.EncodeToString(b), readGoldenFile(t, "signature.hex"); got != want {
		t.Errorf("signature bytes changed:\n got %s\nwant %s", got, want)
	}
	if got, want := c.String(), readGoldenFile(t, "signature.cid"); got != want {
		t.Errorf("signature CID %s, golden %s", got, want)
	}
	if got, want := hex.EncodeToString(payload), readGoldenFile(t, "signing-payload.hex"); got != want {
		t.Errorf("signing payload changed:\n got %s\nwant %s", got, want)
	}

	// The golden bytes hold a signature anyone can check with only the public key
	// and the documented payload, independently of Sign.
	want, err := hex.DecodeString(readGoldenFile(t, "signature.hex"))
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := dag.DecodeSignature(want)
	if err != nil {
		t.Fatalf("golden signature does not decode: %v", err)
	}
	if decoded.Signer != testKey(t, 1).DID() || decoded.Role != dag.RolePublisher ||
		!decoded.Created.Equal(dagtest.Time()) || decoded.Subject.String() != goldenMetadataCID || decoded.Alg != "ed25519" {
		t.Errorf("golden signature fields: %+v", decoded)
	}
	goldenPayload, err := hex.DecodeString(readGoldenFile(t, "signing-payload.hex"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(goldenPayload, []byte("cairn-signature@1\x00")) {
		t.Errorf("payload does not start with the signing domain: %q", goldenPayload)
	}
	if !ed25519.Verify(testKey(t, 1).Public(), goldenPayload, decoded.Sig) {
		t.Error("golden sig does not verify over the golden payload with plain ed25519")
	}
	if err := VerifySignature(decoded); err != nil {
		t.Errorf("VerifySignature(golden): %v", err)
	}
}

func TestSignVerify(t *testing.T) {
	meta := mustCID(t, goldenMetadataCID)
	for _, role := range []string{dag.RolePublisher, dag.RoleBuilder, dag.RoleAuditor, dag.RoleMirror, "custom-role"} {
		t.Run(role, func(t *testing.T) {
			k := testKey(t, 2)
			s, err := Sign(k, meta, role, dagtest.Time())
			if err != nil {
				t.Fatal(err)
			}
			if s.Signer != k.DID() || s.Role != role || s.Alg != dag.AlgEd25519 || !s.Subject.Equals(meta) {
				t.Errorf("Sign set fields %+v", s)
			}
			if len(s.Sig) != ed25519.SignatureSize {
				t.Errorf("sig is %d bytes", len(s.Sig))
			}
			if err := VerifySignature(s); err != nil {
				t.Fatalf("VerifySignature(Sign()): %v", err)
			}
			// Through the wire format and back.
			b, _ := dagtest.MustEncode(t, s)
			back, err := dag.DecodeSignature(b)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifySignature(back); err != nil {
				t.Errorf("VerifySignature(decoded): %v", err)
			}
		})
	}
}

func TestSignNormalizesTime(t *testing.T) {
	// Sign records UTC whole seconds, so the signature does not depend on the
	// caller's time zone or clock precision.
	tz := time.FixedZone("UTC+5:30", 5*3600+1800)
	local := dagtest.Time().In(tz).Add(999 * time.Millisecond)
	s, err := Sign(testKey(t, 1), mustCID(t, goldenMetadataCID), dag.RolePublisher, local)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Created.Equal(dagtest.Time()) || s.Created.Location() != time.UTC {
		t.Errorf("Created = %v, want %v", s.Created, dagtest.Time())
	}
	if !bytes.Equal(s.Sig, goldenSignature(t).Sig) {
		t.Error("a sub-second, non-UTC time gave another signature than the golden one")
	}
}

func TestSignErrors(t *testing.T) {
	k := testKey(t, 1)
	if _, err := Sign(k, cid.Undef, dag.RolePublisher, dagtest.Time()); err == nil {
		t.Error("Sign with no subject succeeded")
	}
	if _, err := Sign(k, mustCID(t, goldenMetadataCID), "", dagtest.Time()); err == nil {
		t.Error("Sign with an empty role succeeded")
	}
}

func TestVerifySignatureTampered(t *testing.T) {
	good := goldenSignature(t)
	if err := VerifySignature(good); err != nil {
		t.Fatal(err)
	}
	clone := func() *dag.Signature {
		c := *good
		c.Sig = bytes.Clone(good.Sig)
		return &c
	}

	t.Run("every bit of sig", func(t *testing.T) {
		for i := range len(good.Sig) * 8 {
			s := clone()
			s.Sig[i/8] ^= 1 << (i % 8)
			if err := VerifySignature(s); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("flipping bit %d of sig: VerifySignature = %v, want ErrBadSignature", i, err)
			}
		}
		if err := VerifySignature(good); err != nil {
			t.Fatalf("the original was modified: %v", err)
		}
	})

	_, otherMeta := dagtest.MustEncode(t, &dag.MetadataSet{
		Subject: mustCID(t, goldenMetadataCID), Kind: dag.KindBuild, Created: dagtest.Time(),
	})
	for _, tc := range []struct {
		name   string
		mutate func(s *dag.Signature)
		want   error
	}{
		{"subject", func(s *dag.Signature) { s.Subject = otherMeta }, ErrBadSignature},
		{"subject of another codec", func(s *dag.Signature) {
			s.Subject = cid.NewCidV1(cid.Raw, good.Subject.Hash())
		}, dag.ErrInvalidCID},
		{"role", func(s *dag.Signature) { s.Role = dag.RoleBuilder }, ErrBadSignature},
		{"role case", func(s *dag.Signature) { s.Role = "Publisher" }, ErrBadSignature},
		{"created +1s", func(s *dag.Signature) { s.Created = s.Created.Add(time.Second) }, ErrBadSignature},
		{"created -1s", func(s *dag.Signature) { s.Created = s.Created.Add(-time.Second) }, ErrBadSignature},
		{"created one year later", func(s *dag.Signature) { s.Created = s.Created.AddDate(1, 0, 0) }, ErrBadSignature},
		{"signer is another key", func(s *dag.Signature) { s.Signer = testKey(t, 2).DID() }, ErrBadSignature},
		{"sig truncated", func(s *dag.Signature) { s.Sig = s.Sig[:63] }, ErrBadSignature},
		{"sig extended", func(s *dag.Signature) { s.Sig = append(s.Sig, 0) }, ErrBadSignature},
		{"sig empty", func(s *dag.Signature) { s.Sig = nil }, ErrBadSignature},
		{"sig zero", func(s *dag.Signature) { s.Sig = make([]byte, 64) }, ErrBadSignature},
		{"sig by another key", func(s *dag.Signature) {
			o, err := Sign(testKey(t, 2), s.Subject, s.Role, s.Created)
			if err != nil {
				t.Fatal(err)
			}
			s.Sig = o.Sig
		}, ErrBadSignature},
		{"alg rsa", func(s *dag.Signature) { s.Alg = "rsa" }, ErrUnknownAlg},
		{"alg Ed25519", func(s *dag.Signature) { s.Alg = "Ed25519" }, ErrUnknownAlg},
		{"alg empty", func(s *dag.Signature) { s.Alg = "" }, ErrUnknownAlg},
		{"signer did:web", func(s *dag.Signature) { s.Signer = "did:web:example.com" }, ErrInvalidDID},
		{"signer secp256k1", func(s *dag.Signature) {
			s.Signer = "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"
		}, ErrInvalidDID},
		{"signer raw key", func(s *dag.Signature) { s.Signer = hex.EncodeToString(testKey(t, 1).Public()) }, ErrInvalidDID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := clone()
			tc.mutate(s)
			err := VerifySignature(s)
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifySignature = %v, want %v", err, tc.want)
			}
			for _, other := range []error{ErrBadSignature, ErrUnknownAlg, ErrInvalidDID, dag.ErrInvalidCID} {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("error %v also wraps %v", err, other)
				}
			}
		})
	}
}

func TestVerifySignatureSubSecondCreated(t *testing.T) {
	// Created is signed as whole seconds; a sub-second difference is not a
	// different signature (the wire format cannot carry it anyway).
	s := goldenSignature(t)
	s.Created = s.Created.Add(500 * time.Millisecond)
	if err := VerifySignature(s); err != nil {
		t.Errorf("VerifySignature with +500ms: %v", err)
	}
}

package sign

import (
	"fmt"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/ipfs/go-cid"
)

// Sign makes k's signature, in role, over the metadata set whose CID is subject.
func Sign(k *Key, subject cid.Cid, role string, created time.Time) (*dag.Signature, error) {
	s := &dag.Signature{
		Subject: subject, Signer: k.DID(), Alg: dag.AlgEd25519,
		Created: created.UTC().Truncate(time.Second), Role: role,
	}
	payload, err := s.SigningPayload()
	if err != nil {
		return nil, err
	}
	s.Sig = k.sign(payload)
	return s, nil
}

// VerifySignature checks that s.Sig is its signer's signature over its payload.
// It says nothing about whether the signer is trusted: that is the Policy's job.
func VerifySignature(s *dag.Signature) error {
	if s.Alg != dag.AlgEd25519 {
		return fmt.Errorf("%w: %q, expected %q", ErrUnknownAlg, s.Alg, dag.AlgEd25519)
	}
	if _, err := ParseDID(s.Signer); err != nil {
		return err
	}
	payload, err := s.SigningPayload()
	if err != nil {
		return err
	}
	if err := verifyEd25519(s.Signer, payload, s.Sig); err != nil {
		return fmt.Errorf("%w: by %s over metadata set %s", err, s.Signer, s.Subject)
	}
	return nil
}

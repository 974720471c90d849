package sign

import (
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/cairnpkg/cairn/dag"
)

// SignLogEntry sets e's signer to k and signs it. The caller fills in every
// other field (Seq, Prev, what was published).
func SignLogEntry(k *Key, e *dag.LogEntry) error {
	e.Signer = k.DID()
	e.Created = e.Created.UTC().Truncate(time.Second)
	payload, err := e.SigningPayload()
	if err != nil {
		return err
	}
	e.Sig = k.sign(payload)
	return nil
}

// CountersignRotation makes next, the key a rotate entry e hands over to,
// countersign it: e is then a rotation both keys agreed to. Sign e with
// SignLogEntry (the old key) before or after.
func CountersignRotation(next *Key, e *dag.LogEntry) error {
	if e.Key != next.DID() {
		return fmt.Errorf("%w: the entry rotates to %s, not to %s", ErrInvalidDID, e.Key, next.DID())
	}
	e.Created = e.Created.UTC().Truncate(time.Second)
	payload, err := e.RotatePayload()
	if err != nil {
		return err
	}
	e.KeySig = next.sign(payload)
	return nil
}

// VerifyLogEntry checks that e.Sig is its signer's signature over the entry,
// and, for a rotation, that e.KeySig is the new key's. Whether the signer is
// trusted for e's name is the Policy's question.
func VerifyLogEntry(e *dag.LogEntry) error {
	payload, err := e.SigningPayload()
	if err != nil {
		return err
	}
	if err := verifyEd25519(e.Signer, payload, e.Sig); err != nil {
		return fmt.Errorf("%w: log entry %d of %s", err, e.Seq, e.Signer)
	}
	if e.Kind == dag.KindRotate {
		payload, err := e.RotatePayload()
		if err != nil {
			return err
		}
		if err := verifyEd25519(e.Key, payload, e.KeySig); err != nil {
			return fmt.Errorf("%w: the countersignature by %s of the rotation of %s", err, e.Key, e.Signer)
		}
	}
	return nil
}

// SignRevocation sets r's signer to k and signs it.
func SignRevocation(k *Key, r *dag.Revocation) error {
	r.Signer = k.DID()
	r.Created = r.Created.UTC().Truncate(time.Second)
	payload, err := r.SigningPayload()
	if err != nil {
		return err
	}
	r.Sig = k.sign(payload)
	return nil
}

// VerifyRevocation checks that r.Sig is its signer's signature over it.
func VerifyRevocation(r *dag.Revocation) error {
	payload, err := r.SigningPayload()
	if err != nil {
		return err
	}
	if err := verifyEd25519(r.Signer, payload, r.Sig); err != nil {
		return fmt.Errorf("%w: revocation of %s", err, r.Signer)
	}
	return nil
}

// SignAnnouncement sets a's signer to k and signs it.
func SignAnnouncement(k *Key, a *dag.Announcement) error {
	a.Signer = k.DID()
	a.Created = a.Created.UTC().Truncate(time.Second)
	payload, err := a.SigningPayload()
	if err != nil {
		return err
	}
	a.Sig = k.sign(payload)
	return nil
}

// VerifyAnnouncement checks that a.Sig is its signer's signature over it.
func VerifyAnnouncement(a *dag.Announcement) error {
	payload, err := a.SigningPayload()
	if err != nil {
		return err
	}
	if err := verifyEd25519(a.Signer, payload, a.Sig); err != nil {
		return fmt.Errorf("%w: announcement of %s head %d", err, a.Signer, a.Seq)
	}
	return nil
}

// verifyEd25519 checks sig by the did:key signer over payload.
func verifyEd25519(signer string, payload, sig []byte) error {
	pub, err := ParseDID(signer)
	if err != nil {
		return err
	}
	if len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, payload, sig) {
		return ErrBadSignature
	}
	return nil
}

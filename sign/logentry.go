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

// VerifyLogEntry checks that e.Sig is its signer's signature over the entry.
// Whether the signer is trusted for e's name is the Policy's question.
func VerifyLogEntry(e *dag.LogEntry) error {
	payload, err := e.SigningPayload()
	if err != nil {
		return err
	}
	if err := verifyEd25519(e.Signer, payload, e.Sig); err != nil {
		return fmt.Errorf("%w: log entry %d of %s", err, e.Seq, e.Signer)
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

package sign

import (
	"errors"

	"github.com/cairnpkg/cairn/internal/errkind"
)

// Errors returned by this package; detail is added with fmt.Errorf("%w: ...", ErrX).
// Those about input that breaks a rule (a key file, a key name, a did:key, a
// pattern, a policy) are of kind errkind.Invalid; ErrKeyNotFound is of kind
// errkind.NotFound.
var (
	// ErrKeyNotFound: no key of that name in the key store, and no such file.
	ErrKeyNotFound = errkind.New("key not found", errkind.NotFound)
	// ErrKeyExists: a key of that name is already in the key store.
	ErrKeyExists = errors.New("key already exists")
	// ErrMalformedKey: a key file that is not a PEM-encoded PKCS #8 private key.
	ErrMalformedKey = errkind.New("malformed key file", errkind.Invalid)
	// ErrWrongKeyType: a valid private key of a type Cairn does not sign with.
	ErrWrongKeyType = errkind.New("wrong key type", errkind.Invalid)
	// ErrKeyPermissions: a private key file that others can read.
	ErrKeyPermissions = errkind.New("key file permissions too open", errkind.Invalid)
	// ErrInvalidKeyName: a key name outside [A-Za-z0-9._-]{1,64}.
	ErrInvalidKeyName = errkind.New("invalid key name", errkind.Invalid)
	// ErrInvalidDID: a signer that is not an Ed25519 did:key.
	ErrInvalidDID = errkind.New("invalid did:key", errkind.Invalid)
	// ErrUnknownAlg: a signature algorithm other than ed25519.
	ErrUnknownAlg = errors.New("unknown signature algorithm")
	// ErrBadSignature: signature bytes that do not verify over the payload.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrInvalidPolicy: a trust policy file that breaks a rule of docs/trust.md.
	ErrInvalidPolicy = errkind.New("invalid trust policy", errkind.Invalid)
	// ErrInvalidPattern: a namespace pattern outside the grammar of docs/trust.md.
	ErrInvalidPattern = errkind.New("invalid namespace pattern", errkind.Invalid)
	// ErrMalformedEnvelope: bytes that are not a DSSE envelope.
	ErrMalformedEnvelope = errkind.New("malformed dsse envelope", errkind.Invalid)
	// ErrNotFound: the package to verify is not in the source.
	ErrNotFound = errors.New("not found")
)

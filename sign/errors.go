package sign

import "errors"

// Errors returned by this package; detail is added with fmt.Errorf("%w: ...", ErrX).
var (
	// ErrKeyNotFound: no key of that name in the key store, and no such file.
	ErrKeyNotFound = errors.New("key not found")
	// ErrKeyExists: a key of that name is already in the key store.
	ErrKeyExists = errors.New("key already exists")
	// ErrMalformedKey: a key file that is not a PEM-encoded PKCS #8 private key.
	ErrMalformedKey = errors.New("malformed key file")
	// ErrWrongKeyType: a valid private key of a type Cairn does not sign with.
	ErrWrongKeyType = errors.New("wrong key type")
	// ErrKeyPermissions: a private key file that others can read.
	ErrKeyPermissions = errors.New("key file permissions too open")
	// ErrInvalidKeyName: a key name outside [A-Za-z0-9._-]{1,64}.
	ErrInvalidKeyName = errors.New("invalid key name")
	// ErrInvalidDID: a signer that is not an Ed25519 did:key.
	ErrInvalidDID = errors.New("invalid did:key")
	// ErrUnknownAlg: a signature algorithm other than ed25519.
	ErrUnknownAlg = errors.New("unknown signature algorithm")
	// ErrBadSignature: signature bytes that do not verify over the payload.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrInvalidPolicy: a trust policy file that breaks a rule of docs/trust.md.
	ErrInvalidPolicy = errors.New("invalid trust policy")
	// ErrInvalidPattern: a namespace pattern outside the grammar of docs/trust.md.
	ErrInvalidPattern = errors.New("invalid namespace pattern")
	// ErrNotFound: the package to verify is not in the source.
	ErrNotFound = errors.New("not found")
)

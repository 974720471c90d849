package sign

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"strconv"
)

// Key is an Ed25519 signing key. Its String never shows the private half.
type Key struct {
	priv ed25519.PrivateKey
}

// GenerateKey makes a new random key.
func GenerateKey() (*Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Key{priv: priv}, nil
}

// KeyFromSeed makes the key of a 32-byte seed: deterministic, for tests and fixtures.
func KeyFromSeed(seed []byte) (*Key, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: seed is %d bytes, expected %d", ErrMalformedKey, len(seed), ed25519.SeedSize)
	}
	return &Key{priv: ed25519.NewKeyFromSeed(seed)}, nil
}

// Public returns the public key.
func (k *Key) Public() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

// DID returns the key's did:key.
func (k *Key) DID() string { return DID(k.Public()) }

// String returns the did:key, never the private key.
func (k *Key) String() string { return k.DID() }

// Format prints the did:key for every verb, of a *Key or a Key, so that no fmt verb
// (%#v, %x, %d, or %v of a Key value, which bypass String) can print the private key.
func (k Key) Format(f fmt.State, verb rune) {
	s := "<no key>"
	if len(k.priv) == ed25519.PrivateKeySize {
		s = k.DID()
	}
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	io.WriteString(f, s)
}

// PrivateKey returns the private key, for handing to code that signs with it
// itself (the node's libp2p identity). Never print or log it.
func (k *Key) PrivateKey() ed25519.PrivateKey { return k.priv }

// sign signs msg.
func (k *Key) sign(msg []byte) []byte { return ed25519.Sign(k.priv, msg) }

// pemType is the PEM block type of a PKCS #8 private key, as openssl writes it.
const pemType = "PRIVATE KEY"

// MarshalPEM encodes the key as PEM PKCS #8, the format of `openssl genpkey -algorithm ed25519`.
func (k *Key) MarshalPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}), nil
}

// ParseKeyPEM decodes a PEM PKCS #8 Ed25519 private key.
func ParseKeyPEM(data []byte) (*Key, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found", ErrMalformedKey)
	}
	if block.Type != pemType {
		return nil, fmt.Errorf("%w: PEM block is %q, expected %q (PKCS #8)", ErrMalformedKey, block.Type, pemType)
	}
	if b, _ := pem.Decode(rest); b != nil {
		return nil, fmt.Errorf("%w: more than one PEM block", ErrMalformedKey)
	}
	// x509 ignores bytes after the DER structure; a key file must be exactly one.
	var outer asn1.RawValue
	if rest, err := asn1.Unmarshal(block.Bytes, &outer); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: PEM block is not one DER structure", ErrMalformedKey)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedKey, err)
	}
	switch priv := parsed.(type) {
	case ed25519.PrivateKey:
		return &Key{priv: priv}, nil
	case *rsa.PrivateKey:
		return nil, fmt.Errorf("%w: an RSA key; Cairn signs with Ed25519 only", ErrWrongKeyType)
	case *ecdsa.PrivateKey:
		return nil, fmt.Errorf("%w: an ECDSA key; Cairn signs with Ed25519 only", ErrWrongKeyType)
	default:
		return nil, fmt.Errorf("%w: a %T; Cairn signs with Ed25519 only", ErrWrongKeyType, parsed)
	}
}

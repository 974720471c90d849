package sign

import (
	"crypto/ed25519"
	"fmt"
	"strings"

	"github.com/mr-tron/base58"
)

// didKeyPrefix starts every did:key; 'z' is the multibase prefix of base58btc.
const didKeyPrefix = "did:key:z"

// ed25519PubMulticodec is the varint of multicodec 0xed (ed25519-pub).
var ed25519PubMulticodec = []byte{0xed, 0x01}

// DID returns the did:key identifier of an Ed25519 public key:
// "did:key:z" + base58btc(0xed 0x01 || key).
func DID(pub ed25519.PublicKey) string {
	b := make([]byte, 0, len(ed25519PubMulticodec)+len(pub))
	b = append(b, ed25519PubMulticodec...)
	b = append(b, pub...)
	return didKeyPrefix + base58.Encode(b)
}

// ParseDID returns the Ed25519 public key named by a did:key.
func ParseDID(did string) (ed25519.PublicKey, error) {
	rest, ok := strings.CutPrefix(did, didKeyPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: %q: expected did:key:z6Mk...", ErrInvalidDID, did)
	}
	if len(rest) > 64 {
		return nil, fmt.Errorf("%w: %q: too long for an Ed25519 key", ErrInvalidDID, did)
	}
	b, err := base58.Decode(rest)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrInvalidDID, did, err)
	}
	if len(b) != len(ed25519PubMulticodec)+ed25519.PublicKeySize ||
		b[0] != ed25519PubMulticodec[0] || b[1] != ed25519PubMulticodec[1] {
		return nil, fmt.Errorf("%w: %q: not an Ed25519 public key (multicodec 0xed)", ErrInvalidDID, did)
	}
	return ed25519.PublicKey(b[2:]), nil
}

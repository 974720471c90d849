package sign

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/mr-tron/base58"
)

// w3cDID is the did:key test vector of the W3C did:key specification: the Ed25519
// key whose 32-byte seed is all zeros.
const (
	w3cDID    = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
	w3cPubHex = "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
)

func TestDIDKnownVector(t *testing.T) {
	pub, err := ParseDID(w3cDID)
	if err != nil {
		t.Fatalf("ParseDID(%q): %v", w3cDID, err)
	}
	if len(pub) != ed25519.PublicKeySize {
		t.Fatalf("ParseDID(%q) returned %d bytes, want %d", w3cDID, len(pub), ed25519.PublicKeySize)
	}
	if got := hex.EncodeToString(pub); got != w3cPubHex {
		t.Errorf("ParseDID(%q) = %s, want %s", w3cDID, got, w3cPubHex)
	}
	if got := DID(pub); got != w3cDID {
		t.Errorf("DID(ParseDID(%q)) = %q, want it unchanged", w3cDID, got)
	}

	// The same key from its seed.
	k, err := KeyFromSeed(make([]byte, ed25519.SeedSize))
	if err != nil {
		t.Fatal(err)
	}
	if got := k.DID(); got != w3cDID {
		t.Errorf("KeyFromSeed(zeros).DID() = %q, want %q", got, w3cDID)
	}
}

func TestDIDRoundTrip(t *testing.T) {
	for _, b := range []byte{0, 1, 2, 0x7f, 0xff} {
		k := testKey(t, b)
		did := k.DID()
		if !strings.HasPrefix(did, "did:key:z6Mk") {
			t.Errorf("testKey(%d).DID() = %q, want prefix did:key:z6Mk", b, did)
		}
		pub, err := ParseDID(did)
		if err != nil {
			t.Fatalf("ParseDID(%q): %v", did, err)
		}
		if !bytes.Equal(pub, k.Public()) {
			t.Errorf("ParseDID(%q) = %x, want %x", did, pub, k.Public())
		}
		if again := DID(pub); again != did {
			t.Errorf("DID(ParseDID(%q)) = %q", did, again)
		}
	}
	// Distinct keys, distinct DIDs.
	if testKey(t, 1).DID() == testKey(t, 2).DID() {
		t.Error("two different keys have the same DID")
	}
}

// didOf encodes raw multicodec+key bytes as a did:key, valid or not.
func didOf(b ...[]byte) string {
	return "did:key:z" + base58.Encode(bytes.Join(b, nil))
}

func TestParseDIDInvalid(t *testing.T) {
	pub := testKey(t, 1).Public()
	good := DID(pub)
	rest := strings.TrimPrefix(good, "did:key:z")
	for _, tc := range []struct {
		name, did string
	}{
		{"empty", ""},
		{"prefix only", "did:key:z"},
		{"no multibase prefix", "did:key:" + rest},
		{"base32 multibase", "did:key:b" + rest},
		{"other method", "did:web:z" + rest},
		{"upper case method", "DID:KEY:z" + rest},
		{"leading space", " " + good},
		{"trailing space", good + " "},
		{"trailing newline", good + "\n"},
		{"base58 garbage 0", "did:key:z6Mk0OIl"},
		{"base58 garbage non-ascii", "did:key:z6Mké"},
		{"base58 garbage punctuation", "did:key:z6Mk+/="},
		{"secp256k1 W3C vector", "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"},
		{"secp256k1 multicodec", didOf([]byte{0xe7, 0x01}, bytes.Repeat([]byte{2}, 33))},
		{"x25519 multicodec", didOf([]byte{0xec, 0x01}, pub)},
		{"one-byte multicodec", didOf([]byte{0xed}, pub, []byte{0})},
		{"no multicodec", didOf(pub, []byte{0, 0})},
		{"key too short", didOf(ed25519PubMulticodec, pub[:31])},
		{"key too long", didOf(ed25519PubMulticodec, pub, []byte{0})},
		{"multicodec only", didOf(ed25519PubMulticodec)},
		{"leading zero byte", didOf([]byte{0}, ed25519PubMulticodec, pub)},
		{"much too long", good + strings.Repeat("z", 100)},
		{"truncated", good[:len(good)-1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDID(tc.did)
			if !errors.Is(err, ErrInvalidDID) {
				t.Fatalf("ParseDID(%q) = %x, %v; want an error wrapping ErrInvalidDID", tc.did, got, err)
			}
			if got != nil {
				t.Errorf("ParseDID(%q) returned a key %x with its error", tc.did, got)
			}
		})
	}
}

func FuzzParseDID(f *testing.F) {
	f.Add(w3cDID)
	f.Add("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
	f.Add("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme")
	f.Add("did:key:z")
	f.Add("did:key:z1111")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		pub, err := ParseDID(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidDID) {
				t.Fatalf("ParseDID(%q): error %v does not wrap ErrInvalidDID", s, err)
			}
			return
		}
		if len(pub) != ed25519.PublicKeySize {
			t.Fatalf("ParseDID(%q) returned %d bytes", s, len(pub))
		}
		// One key, one spelling: anything else would let one key count as two
		// signers towards a threshold.
		if again := DID(pub); again != s {
			t.Fatalf("ParseDID(%q) accepted a non-canonical did: DID gives %q", s, again)
		}
	})
}

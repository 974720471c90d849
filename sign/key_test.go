package sign

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyFromSeed(t *testing.T) {
	for _, n := range []int{0, 31, 33, 64} {
		if k, err := KeyFromSeed(make([]byte, n)); !errors.Is(err, ErrMalformedKey) {
			t.Errorf("KeyFromSeed(%d bytes) = %v, %v; want ErrMalformedKey", n, k, err)
		}
	}
	a, b := testKey(t, 7), testKey(t, 7)
	if a.DID() != b.DID() {
		t.Error("KeyFromSeed is not deterministic")
	}
}

func TestGenerateKey(t *testing.T) {
	a, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if a.DID() == b.DID() {
		t.Error("two generated keys are equal")
	}
	msg := []byte("hello")
	if !ed25519.Verify(a.Public(), msg, a.sign(msg)) {
		t.Error("a generated key's signature does not verify with its public key")
	}
}

func TestKeyPEMRoundTrip(t *testing.T) {
	for _, k := range []*Key{testKey(t, 0), testKey(t, 1), mustGenerate(t)} {
		data, err := k.MarshalPEM()
		if err != nil {
			t.Fatal(err)
		}
		block, rest := pem.Decode(data)
		if block == nil || block.Type != "PRIVATE KEY" || len(bytes.TrimSpace(rest)) != 0 {
			t.Fatalf("MarshalPEM wrote %q, want one PRIVATE KEY block", data)
		}
		back, err := ParseKeyPEM(data)
		if err != nil {
			t.Fatalf("ParseKeyPEM(MarshalPEM()): %v", err)
		}
		if !bytes.Equal(back.priv, k.priv) {
			t.Errorf("PEM round trip changed the key: %s became %s", k.DID(), back.DID())
		}
		again, err := back.MarshalPEM()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, data) {
			t.Errorf("MarshalPEM is not stable:\n%s\n%s", data, again)
		}
	}
}

// TestKeyPEMKnownVector pins the PKCS #8 encoding of the all-zero seed to the bytes
// openssl writes for it (RFC 8410, section 10.3 layout).
func TestKeyPEMKnownVector(t *testing.T) {
	k, err := KeyFromSeed(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	data, err := k.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	// SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }
	want := "302e020100300506032b657004220420" + strings.Repeat("00", 32)
	if got := hex.EncodeToString(block.Bytes); got != want {
		t.Errorf("PKCS #8 DER = %s, want %s", got, want)
	}
}

func TestParseKeyPEMOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not on PATH")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "k.pem")
	if out, err := exec.Command(openssl, "genpkey", "-algorithm", "ed25519", "-out", path).CombinedOutput(); err != nil {
		t.Fatalf("openssl genpkey: %v\n%s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseKeyPEM(data)
	if err != nil {
		t.Fatalf("ParseKeyPEM(openssl key): %v\n%s", err, data)
	}
	// openssl's public key must be the one Go derives from the seed.
	out, err := exec.Command(openssl, "pkey", "-in", path, "-pubout", "-outform", "DER").Output()
	if err != nil {
		t.Fatalf("openssl pkey -pubout: %v", err)
	}
	pub, err := x509.ParsePKIXPublicKey(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pub.(ed25519.PublicKey), k.Public()) {
		t.Errorf("public key of openssl's file %x, Cairn derives %x", pub, k.Public())
	}
	// And openssl reads what Cairn writes, to the same public key.
	ours, err := k.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, data) {
		t.Errorf("MarshalPEM of openssl's key differs from openssl's file:\n%s\n%s", ours, data)
	}
	ourPath := filepath.Join(dir, "ours.pem")
	if err := os.WriteFile(ourPath, ours, 0o600); err != nil {
		t.Fatal(err)
	}
	out2, err := exec.Command(openssl, "pkey", "-in", ourPath, "-pubout", "-outform", "DER").Output()
	if err != nil {
		t.Fatalf("openssl cannot read MarshalPEM output: %v", err)
	}
	if !bytes.Equal(out2, out) {
		t.Error("openssl derives another public key from MarshalPEM's output")
	}
	// openssl genpkey writes mode 0600 under umask 077 only; LoadKeyFile of it.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	lk, err := LoadKeyFile(path)
	if err != nil {
		t.Fatalf("LoadKeyFile(openssl key): %v", err)
	}
	if lk.DID() != k.DID() {
		t.Errorf("LoadKeyFile = %s, ParseKeyPEM = %s", lk.DID(), k.DID())
	}
}

func pkcs8PEM(t *testing.T, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func TestParseKeyPEMWrongType(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	xKey, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, mention string
		key           any
	}{
		{"rsa", "RSA", rsaKey},
		{"ecdsa", "ECDSA", ecKey},
		{"x25519", "ecdh", xKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseKeyPEM(pkcs8PEM(t, tc.key))
			if !errors.Is(err, ErrWrongKeyType) {
				t.Fatalf("ParseKeyPEM(%s key) = %v, %v; want ErrWrongKeyType", tc.name, k, err)
			}
			if errors.Is(err, ErrMalformedKey) {
				t.Errorf("a well-formed %s key is reported malformed: %v", tc.name, err)
			}
			if !strings.Contains(err.Error(), tc.mention) || !strings.Contains(err.Error(), "Ed25519") {
				t.Errorf("error %q should name the key type (%s) and Ed25519", err, tc.mention)
			}
		})
	}
}

func TestParseKeyPEMMalformed(t *testing.T) {
	good, err := testKey(t, 1).MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(good)
	reblock := func(typ string, der []byte, headers map[string]string) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der})
	}
	truncatedBody := []byte(strings.Replace(string(good), base64.StdEncoding.EncodeToString(block.Bytes), base64.StdEncoding.EncodeToString(block.Bytes)[:20], 1))
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"no PEM", []byte("not a key at all\n")},
		{"raw DER", block.Bytes},
		{"raw seed", bytes.Repeat([]byte{1}, 32)},
		{"begin without end", []byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\n")},
		{"bad base64", []byte("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n")},
		{"other block type", reblock("OPENSSH PRIVATE KEY", block.Bytes, nil)},
		{"ed25519 block type", reblock("ED25519 PRIVATE KEY", block.Bytes, nil)},
		{"encrypted block type", reblock("ENCRYPTED PRIVATE KEY", block.Bytes, nil)},
		{"public key", func() []byte {
			der, err := x509.MarshalPKIXPublicKey(testKey(t, 1).Public())
			if err != nil {
				t.Fatal(err)
			}
			return reblock("PUBLIC KEY", der, nil)
		}()},
		{"two blocks", append(append([]byte{}, good...), good...)},
		{"two blocks of different keys", append(append([]byte{}, good...), mustPEM(t, testKey(t, 2))...)},
		{"key then certificate", append(append([]byte{}, good...), reblock("CERTIFICATE", []byte{1, 2, 3}, nil)...)},
		{"DER garbage", reblock("PRIVATE KEY", []byte{0x30, 0x03, 0x02, 0x01, 0x00}, nil)},
		{"DER trailing bytes", reblock("PRIVATE KEY", append(append([]byte{}, block.Bytes...), 0), nil)},
		{"DER truncated", reblock("PRIVATE KEY", block.Bytes[:len(block.Bytes)-1], nil)},
		{"truncated body", truncatedBody},
		{"PKCS #1 RSA", func() []byte {
			k, err := rsa.GenerateKey(rand.Reader, 1024)
			if err != nil {
				t.Fatal(err)
			}
			return reblock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k), nil)
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseKeyPEM(tc.data)
			if !errors.Is(err, ErrMalformedKey) {
				t.Fatalf("ParseKeyPEM = %v, %v; want ErrMalformedKey", k, err)
			}
			if k != nil {
				t.Errorf("ParseKeyPEM returned a key with its error")
			}
		})
	}
}

func TestParseKeyPEMSurroundingText(t *testing.T) {
	// openssl and editors may leave text around the block; one block is still one key.
	good := mustPEM(t, testKey(t, 3))
	data := append([]byte("comment before\n"), good...)
	data = append(data, "\ntrailing text without a block\n"...)
	k, err := ParseKeyPEM(data)
	if err != nil {
		t.Fatalf("ParseKeyPEM(text + block + text): %v", err)
	}
	if k.DID() != testKey(t, 3).DID() {
		t.Error("wrong key")
	}
}

// TestKeyStringHidesPrivateKey checks every fmt verb: none may print the seed or the
// private key, and %v and %s print the DID.
func TestKeyStringHidesPrivateKey(t *testing.T) {
	k := testKey(t, 0xab)
	did := k.DID()
	if k.String() != did {
		t.Errorf("String() = %q, want the DID %q", k.String(), did)
	}
	secrets := []string{
		hex.EncodeToString(k.priv.Seed()),
		hex.EncodeToString(k.priv.Seed()[:8]),
		strings.ToUpper(hex.EncodeToString(k.priv.Seed()[:8])),
		base64.StdEncoding.EncodeToString(k.priv.Seed()[:9]),
		"171 171 171", // decimal bytes of the seed, as %v of a []byte prints them
		"171, 171",
		"0xab",
		"\xab\xab\xab",
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%o", "%b", "%T"} {
		for _, arg := range []struct {
			name string
			v    any
		}{{"*Key", k}, {"Key", *k}, {"[]*Key", []*Key{k}}, {"map", map[string]*Key{"k": k}}} {
			out := fmt.Sprintf(verb, arg.v)
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("fmt.Sprintf(%q, %s) = %q reveals private key material (%q)", verb, arg.name, out, s)
				}
			}
		}
	}
	for _, verb := range []string{"%v", "%s"} {
		if out := fmt.Sprintf(verb, k); out != did {
			t.Errorf("fmt.Sprintf(%q, key) = %q, want %q", verb, out, did)
		}
		if out := fmt.Sprintf(verb, *k); out != did {
			t.Errorf("fmt.Sprintf(%q, *key) = %q, want %q", verb, out, did)
		}
	}
	if err := fmt.Errorf("signing with %v", k); !strings.Contains(err.Error(), did) {
		t.Errorf("error text %q does not name the key by DID", err)
	}
}

func mustGenerate(t *testing.T) *Key {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustPEM(t *testing.T, k *Key) []byte {
	t.Helper()
	b, err := k.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKeyFormatZeroAndNil(t *testing.T) {
	if got := fmt.Sprint(Key{}); got != "<no key>" {
		t.Errorf("fmt.Sprint(Key{}) = %q", got)
	}
	var k *Key
	if got := fmt.Sprintf("%v", k); got != "<nil>" {
		t.Errorf("fmt of a nil *Key = %q", got)
	}
	if got := fmt.Sprintf("%q", testKey(t, 1)); got != `"`+testKey(t, 1).DID()+`"` {
		t.Errorf("%%q of a key = %s", got)
	}
}

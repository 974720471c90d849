package node

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/cairnpkg/cairn/internal/atomicfile"
	"github.com/cairnpkg/cairn/sign"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// createIdentity makes a new libp2p identity key at path (never replacing one).
func createIdentity(path string) (peer.ID, error) {
	k, err := sign.GenerateKey()
	if err != nil {
		return "", err
	}
	if err := sign.WriteKeyFile(path, k); err != nil {
		return "", fmt.Errorf("identity %s: %w", path, err)
	}
	_, id, err := libp2pKey(k)
	return id, err
}

// loadIdentity reads the libp2p identity key at path, creating it if the repo
// predates identities.
func loadIdentity(path string) (crypto.PrivKey, peer.ID, error) {
	k, err := sign.LoadKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := createIdentity(path); err != nil {
			return nil, "", err
		}
		k, err = sign.LoadKeyFile(path)
	}
	if err != nil {
		return nil, "", fmt.Errorf("identity: %w", err)
	}
	return libp2pKey(k)
}

func libp2pKey(k *sign.Key) (crypto.PrivKey, peer.ID, error) {
	priv, err := crypto.UnmarshalEd25519PrivateKey(k.PrivateKey())
	if err != nil {
		return nil, "", err
	}
	id, err := peer.IDFromPrivateKey(priv)
	return priv, id, err
}

// PeerID returns the node's peer ID (creating its identity if needed).
func (r *Repo) PeerID() (peer.ID, error) {
	_, id, err := loadIdentity(r.path(IdentityFile))
	return id, err
}

// ensureToken returns the API token at path, creating it (mode 0600) if absent.
func ensureToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if tok := strings.TrimSpace(string(b)); len(tok) >= 32 {
			return tok, nil
		}
		return "", fmt.Errorf("%w: %s holds no token; delete it to make a new one", ErrInvalidConfig, path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	tok := hex.EncodeToString(raw[:])
	if err := atomicfile.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", err
	}
	return tok, nil
}

// APIToken returns the API's bearer token (creating it if needed).
func (r *Repo) APIToken() (string, error) { return ensureToken(r.path(TokenFile)) }

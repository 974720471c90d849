package p2p

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/sign"
)

// CreateIdentity makes a new libp2p identity key at path (never replacing
// one): an Ed25519 key in the same file format as signing keys, but never
// used to sign packages.
func CreateIdentity(path string) (peer.ID, error) {
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

// LoadIdentity reads the libp2p identity key at path, creating it if the
// repo predates identities.
func LoadIdentity(path string) (crypto.PrivKey, peer.ID, error) {
	k, err := sign.LoadKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := CreateIdentity(path); err != nil {
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

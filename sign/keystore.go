package sign

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/cairnpkg/cairn/internal/atomicfile"
)

// keyExt is the extension of key files in a KeyStore.
const keyExt = ".key"

var keyNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// KeyStore is a directory of PEM PKCS #8 private key files, one per key, named
// NAME.key, mode 0600.
type KeyStore struct {
	dir string
}

// OpenKeyStore returns the key store in dir, creating dir (mode 0700) if needed.
func OpenKeyStore(dir string) (*KeyStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &KeyStore{dir: dir}, nil
}

// CheckKeyName returns ErrInvalidKeyName unless name is a valid key name.
func CheckKeyName(name string) error {
	if !keyNameRE.MatchString(name) || name == "." || name == ".." {
		return fmt.Errorf("%w: %q: use 1-64 of A-Z a-z 0-9 . _ -", ErrInvalidKeyName, name)
	}
	return nil
}

// Path returns the file of the named key.
func (s *KeyStore) Path(name string) string { return filepath.Join(s.dir, name+keyExt) }

// Generate creates and stores a new key under name; it never replaces a key.
func (s *KeyStore) Generate(name string) (*Key, error) {
	if err := CheckKeyName(name); err != nil {
		return nil, err
	}
	k, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	if err := s.Put(name, k); err != nil {
		return nil, err
	}
	return k, nil
}

// Put stores k under name: written to a temporary file, synced, then linked into
// place, so a crash leaves either no key or the whole key, and an existing key is
// never replaced.
func (s *KeyStore) Put(name string, k *Key) error {
	if err := CheckKeyName(name); err != nil {
		return err
	}
	err := WriteKeyFile(s.Path(name), k)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %q", ErrKeyExists, name)
	}
	return err
}

// WriteKeyFile writes k to path as PEM PKCS #8, mode 0600: to a temporary file,
// synced, then linked into place, so a crash leaves either no key or the whole
// key. It never replaces a file: an existing path is an error wrapping
// fs.ErrExist.
func WriteKeyFile(path string, k *Key) error {
	data, err := k.MarshalPEM()
	if err != nil {
		return err
	}
	return atomicfile.Create(path, data, 0o600)
}

// Get loads the named key.
func (s *KeyStore) Get(name string) (*Key, error) {
	if err := CheckKeyName(name); err != nil {
		return nil, err
	}
	k, err := LoadKeyFile(s.Path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no key named %q (cairn key list shows the keys)", ErrKeyNotFound, name)
	}
	return k, err
}

// Resolve loads a key given as a key store name or, if it contains a path
// separator or ends in ".pem", as a path to a PEM file. A file in the working
// directory never shadows a stored key of the same name.
func (s *KeyStore) Resolve(nameOrPath string) (*Key, error) {
	if strings.ContainsRune(nameOrPath, os.PathSeparator) || strings.HasSuffix(nameOrPath, ".pem") {
		k, err := LoadKeyFile(nameOrPath)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: no file %s", ErrKeyNotFound, nameOrPath)
		}
		return k, err
	}
	return s.Get(nameOrPath)
}

// Remove deletes the named key's file and syncs the key store's directory,
// so the removal survives a crash. The key is gone for good: only a copy
// made elsewhere brings it back.
func (s *KeyStore) Remove(name string) error {
	if err := CheckKeyName(name); err != nil {
		return err
	}
	if err := os.Remove(s.Path(name)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: no key named %q (cairn key list shows the keys)", ErrKeyNotFound, name)
		}
		return err
	}
	return syncDir(s.dir)
}

// syncDir fsyncs a directory, making the creation or removal of its entries
// durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// List returns the names of the stored keys, sorted.
func (s *KeyStore) List() ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), keyExt); ok && !e.IsDir() && CheckKeyName(n) == nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

// LoadKeyFile reads a PEM PKCS #8 Ed25519 private key file. Like ssh, it refuses a
// file that users other than its owner may read.
func LoadKeyFile(path string) (*Key, error) {
	// Check the type before opening: opening a named pipe blocks until a writer
	// comes, so the check on the open file below would come too late.
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrMalformedKey, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrMalformedKey, path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o; run chmod 600 %s", ErrKeyPermissions, path, st.Mode().Perm(), path)
	}
	if st.Size() > 64<<10 {
		return nil, fmt.Errorf("%w: %s is %d bytes, too large for a key", ErrMalformedKey, path, st.Size())
	}
	data := make([]byte, st.Size())
	if _, err := f.ReadAt(data, 0); err != nil {
		return nil, err
	}
	k, err := ParseKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

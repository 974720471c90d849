package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/cairnpkg/cairn/internal/atomicfile"
)

// NewToken returns a new API token: 32 random bytes, hex-encoded (64
// characters). The daemon makes one at start and writes it where the CLI
// reads it (a file only its user can read).
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("api: new token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// EnsureToken returns the token kept in the file at path, making one (mode
// 0600) if there is no file: the repo's api.token, which the CLI reads.
func EnsureToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if tok := strings.TrimSpace(string(b)); len(tok) >= minTokenLen {
			return tok, nil
		}
		return "", fmt.Errorf("%w: %s holds no token; delete it to make a new one", ErrInvalidConfig, path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	tok, err := NewToken()
	if err != nil {
		return "", err
	}
	if err := atomicfile.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", err
	}
	return tok, nil
}

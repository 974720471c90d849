package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
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

// Package signtest holds test fixtures for signing and verification: keys
// made from fixed seeds, so that their did:keys and signatures never change.
// Production code never imports it.
//
//	k := signtest.Key(t, 1)
package signtest

import (
	"bytes"
	"testing"

	"github.com/cairnpkg/cairn/sign"
)

// Key returns a deterministic key made from a seed of 32 copies of b.
func Key(t testing.TB, b byte) *sign.Key {
	t.Helper()
	k, err := sign.KeyFromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

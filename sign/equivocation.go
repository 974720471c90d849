package sign

import (
	"time"

	"github.com/ipfs/go-cid"
)

// EquivocationKind says what an equivocation proves.
type EquivocationKind string

const (
	// EquivocationFork: one key signed two different log entries with one
	// sequence number.
	EquivocationFork EquivocationKind = "fork"
	// EquivocationConflict: signed log entries name two different packages
	// as one name@version.
	EquivocationConflict EquivocationKind = "conflict"
)

// Equivocation is the proof that a publisher (or two publishers trusted for
// one name) said two incompatible things: two signed log entries, both kept,
// that cannot both be honest (docs/logs.md). Anyone can check it: fetch both
// entries, check their signatures, compare.
type Equivocation struct {
	Kind    EquivocationKind `json:"kind"`
	Name    string           `json:"name"`
	Version string           `json:"version"`
	// Signers, Seqs, Entries and Packages describe the two entries: their
	// keys (one key twice for a fork), sequence numbers, CIDs, and the
	// packages they name as Name@Version.
	Signers  [2]string  `json:"signers"`
	Seqs     [2]uint64  `json:"seqs"`
	Entries  [2]cid.Cid `json:"entries"`
	Packages [2]cid.Cid `json:"packages"`
	Detected time.Time  `json:"detected"`
}

// ID names the proof by its kind and entries, in either order, so the same
// proof is kept once.
func (e Equivocation) ID() string {
	a, b := e.Entries[0].String(), e.Entries[1].String()
	if b < a {
		a, b = b, a
	}
	return string(e.Kind) + "-" + a + "-" + b
}

package dag

import (
	"github.com/ipfs/boxo/verifcid"
	mh "github.com/multiformats/go-multihash"
)

// hashAllowlist is the set of hash functions whose blocks Cairn reads:
// boxo's default list (sha2, sha3, blake2/3, keccak, shake, bounded identity)
// without sha1, which is broken for collision resistance. Every block Cairn
// reads, content included, is checked against it, so a DAG cannot hide a weak
// link below a strong root.
var hashAllowlist verifcid.Allowlist = verifcid.NewOverridingAllowlist(verifcid.DefaultAllowlist, map[uint64]bool{mh.SHA1: false})

// HashAllowlist returns the hash functions Cairn accepts, for code that
// checks blocks itself (a blockservice fetching from the network).
func HashAllowlist() verifcid.Allowlist { return hashAllowlist }

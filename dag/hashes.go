package dag

import (
	"bytes"
	"fmt"

	"github.com/ipfs/boxo/verifcid"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/internal/sha256mb"
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

// CheckBlock returns ErrHashMismatch unless data hashes to c, and ErrInvalidCID
// when c uses a hash function Cairn does not accept (sha1 and unknown hashes are refused; see hashes.go).
func CheckBlock(c cid.Cid, data []byte) error {
	if err := verifcid.ValidateCid(hashAllowlist, c); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidCID, c, err)
	}
	got, err := c.Prefix().Sum(data)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCID, err)
	}
	if !got.Equals(c) {
		return fmt.Errorf("%w: %s", ErrHashMismatch, c)
	}
	return nil
}

// CheckBlocks checks each data[i] against cs[i] as CheckBlock does, and
// returns CheckBlock's answer for each: nil where the block matches. The
// SHA2-256 blocks among them, nearly every block Cairn handles, are hashed
// together, sixteen side by side where the CPU can (internal/sha256mb): a
// batch of sixteen 1 MiB blocks takes one core about half as long as
// sixteen CheckBlock calls.
func CheckBlocks(cs []cid.Cid, data [][]byte) []error {
	errs := make([]error, len(cs))
	var (
		idx     []int
		msgs    [][]byte
		digests [][]byte
	)
	for i, c := range cs {
		d, ok := sha256Digest(c)
		if !ok {
			errs[i] = CheckBlock(c, data[i])
			continue
		}
		idx = append(idx, i)
		msgs = append(msgs, data[i])
		digests = append(digests, d)
	}
	sums := make([][sha256mb.Size]byte, len(msgs))
	sha256mb.Sum(sums, msgs)
	for k, i := range idx {
		if !bytes.Equal(sums[k][:], digests[k]) {
			errs[i] = fmt.Errorf("%w: %s", ErrHashMismatch, cs[i])
		}
	}
	return errs
}

// sha256Digest returns the digest of c when c is an accepted CID whose hash
// is a whole SHA2-256: then data matches c exactly when its SHA-256 is that
// digest, whatever c's version and codec.
func sha256Digest(c cid.Cid) ([]byte, bool) {
	if verifcid.ValidateCid(hashAllowlist, c) != nil {
		return nil, false
	}
	dm, err := mh.Decode(c.Hash())
	if err != nil || dm.Code != mh.SHA2_256 || dm.Length != sha256mb.Size {
		return nil, false
	}
	return dm.Digest, true
}

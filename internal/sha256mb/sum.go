package sha256mb

import (
	"cmp"
	"crypto/sha256"
	"slices"
)

// Size is the length of a SHA-256 digest.
const Size = sha256.Size

// Lanes is how many messages the vector kernel hashes side by side: a batch
// gains most when its length is a multiple of Lanes.
const Lanes = 16

// blockSize is SHA-256's block: 64 bytes.
const blockSize = 64

// laneCost is what one 64-byte block costs the vector kernel, all sixteen
// lanes together, in the time crypto/sha256 takes for one block with the
// SHA extensions: BenchmarkSum measured the kernel at 2.8–2.9 GB/s and
// crypto/sha256 at 1.1–1.6 GB/s on one core (Xeon, 2026-12), so sixteen
// lanes cost 6 to 9 blocks. A group goes to the kernel only when its blocks,
// hashed one message after another, would cost more.
const laneCost = 8

// iv is SHA-256's initial hash value (FIPS 180-4 §5.3.3).
var iv = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

// BatchSize is how many messages are worth gathering for one Sum: Lanes
// where the vector kernel runs, else 1 (crypto/sha256 gains nothing from a
// batch, and a caller that waits to fill one only delays its work).
func BatchSize() int {
	if haveVector {
		return Lanes
	}
	return 1
}

// Sum sets out[i] to the SHA-256 of msgs[i]; out must be at least as long
// as msgs. It does not keep or modify msgs.
func Sum(out [][Size]byte, msgs [][]byte) {
	out = out[:len(msgs)]
	if !haveVector || len(msgs) < Lanes*2/laneCost {
		sumEach(out, msgs, nil)
		return
	}
	// Sorted by length, neighbours are alike, and a group of sixteen
	// wastes little on lanes that end early.
	order := make([]int, len(msgs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return cmp.Compare(len(msgs[j]), len(msgs[i])) })
	for len(order) > 0 {
		g := order[:min(Lanes, len(order))]
		order = order[len(g):]
		if !worthVector(msgs, g) || !sum16(out, msgs, g) {
			sumEach(out, msgs, g)
		}
	}
}

// sumEach hashes msgs[i] for each i in idx (every message if idx is nil)
// with crypto/sha256.
func sumEach(out [][Size]byte, msgs [][]byte, idx []int) {
	if idx == nil {
		for i, m := range msgs {
			out[i] = sha256.Sum256(m)
		}
		return
	}
	for _, i := range idx {
		out[i] = sha256.Sum256(msgs[i])
	}
}

// worthVector reports whether the group g, longest first, costs less in
// the vector kernel, which spends as long on every lane as on the longest
// message, than one message at a time.
func worthVector(msgs [][]byte, g []int) bool {
	var blocks int
	for _, i := range g {
		blocks += len(msgs[i])/blockSize + 1
	}
	longest := len(msgs[g[0]])/blockSize + 1
	return blocks > longest*laneCost
}

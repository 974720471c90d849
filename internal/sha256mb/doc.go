// Package sha256mb computes the SHA-256 of many messages at once. On an
// amd64 CPU with AVX-512 it hashes sixteen messages side by side, one in each
// 32-bit lane of the vector registers: one core then hashes a batch of equal
// messages about twice as fast as it hashes them one after the other with the
// SHA extensions. Elsewhere, and for batches too small or too uneven to gain,
// it hashes each message with crypto/sha256. The digests are the same either
// way.
//
// Cairn hashes in batches where it holds many blocks at once: the chunks of a
// file being imported, the blocks of a whole-DAG stream being checked.
//
//	msgs := [][]byte{chunk0, chunk1, chunk2}
//	sums := make([][sha256mb.Size]byte, len(msgs))
//	sha256mb.Sum(sums, msgs)
//
// The assembly kernel is generated: go run gen.go.
package sha256mb

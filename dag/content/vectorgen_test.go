package content

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
)

// vectorReader yields the test-vector bytes of /work/shared/vectors/README.md
// (copied to testdata/): SHA-256("cairn-vector" || k) for k = 0, 1, 2, ...
// with k a big-endian uint64, truncated to size bytes.
type vectorReader struct {
	in     [20]byte // "cairn-vector" || k
	k      uint64
	cur    [32]byte // digest for k-1
	curOff int      // bytes of cur already returned; 32 = none left
	left   int64
}

func newVectorReader(size int64) *vectorReader {
	r := &vectorReader{curOff: 32, left: size}
	copy(r.in[:12], "cairn-vector")
	return r
}

func (r *vectorReader) next() [32]byte {
	binary.BigEndian.PutUint64(r.in[12:], r.k)
	r.k++
	return sha256.Sum256(r.in[:])
}

func (r *vectorReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n := 0
	if r.curOff < 32 {
		k := copy(p, r.cur[r.curOff:])
		r.curOff += k
		n += k
	}
	for len(p)-n >= 32 {
		d := r.next()
		copy(p[n:], d[:])
		n += 32
	}
	if n < len(p) {
		r.cur = r.next()
		r.curOff = copy(p[n:], r.cur[:])
		n = len(p)
	}
	r.left -= int64(n)
	return n, nil
}

//go:build amd64 && !purego

package sha256mb

import (
	"encoding/binary"
	"math"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// haveVector: the kernel needs AVX-512 F (rotates, ternary logic, gathers)
// and BW (the byte shuffle), and an OS that saves the registers
// (golang.org/x/sys/cpu checks that too).
var haveVector = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW

// block16 hashes n blocks of each lane whose bit is set in mask, the lane's
// next block starting at base+offs[lane], into st; it advances every lane's
// offset by n blocks. Its body is block16_amd64.s, written by gen.go.
//
//go:noescape
func block16(st *state, base *byte, offs *[Lanes]uint32, mask uint16, n int)

// state holds sixteen SHA-256 states, word-major: state[w][lane].
type state [8][Lanes]uint32

// sum16 hashes the messages of the group g (at most sixteen) side by side
// with the vector kernel: first their whole blocks, read where they lie,
// then each one's tail, padded, from a buffer of its own. It reports false,
// having written no digest, where the kernel cannot address the messages
// from one base (they lie more than 2 GiB apart, or one is that long).
func sum16(out [][Size]byte, msgs [][]byte, g []int) bool {
	var st state
	for w := range st {
		for l := range st[w] {
			st[w][l] = iv[w]
		}
	}

	// The whole blocks.
	var (
		next   [Lanes]unsafe.Pointer
		blocks [Lanes]int
	)
	for l, i := range g {
		blocks[l] = len(msgs[i]) / blockSize
		if blocks[l] > 0 {
			next[l] = unsafe.Pointer(unsafe.SliceData(msgs[i]))
		}
	}
	if !run(&st, &next, &blocks) {
		return false
	}

	// The tails: the bytes after the last whole block, the 0x80 byte, zeros
	// and the message length in bits, in one or two blocks.
	var tails [Lanes][2 * blockSize]byte
	for l, i := range g {
		m := msgs[i]
		r := copy(tails[l][:], m[len(m)/blockSize*blockSize:])
		tails[l][r] = 0x80
		blocks[l] = 1
		if r >= blockSize-8 {
			blocks[l] = 2
		}
		binary.BigEndian.PutUint64(tails[l][blocks[l]*blockSize-8:], uint64(len(m))*8)
		next[l] = unsafe.Pointer(&tails[l][0])
	}
	if !run(&st, &next, &blocks) {
		return false // cannot happen: the tails lie in one array
	}

	for l, i := range g {
		for w := range st {
			binary.BigEndian.PutUint32(out[i][4*w:], st[w][l])
		}
	}
	return true
}

// run hashes blocks[l] blocks of every lane l, starting at next[l], calling
// the kernel once for each stretch over which the same lanes are still
// active. The kernel addresses the lanes by signed 32-bit offsets from the
// lowest; run reports false, leaving st half done, where a stretch would
// reach 2 GiB or more past its base.
//
// The offsets are computed from the pointers right before each kernel call,
// with no call in between: a message on the caller's stack moves when the
// stack grows, which happens only at a call, and the pointers, unlike
// offsets, move with it.
func run(st *state, next *[Lanes]unsafe.Pointer, blocks *[Lanes]int) bool {
	done := 0
	for {
		var mask uint16
		end := 0
		for l, b := range blocks {
			if b > done {
				mask |= 1 << l
				if end == 0 || b < end {
					end = b
				}
			}
		}
		if mask == 0 {
			return true
		}
		var (
			base   unsafe.Pointer
			lo, hi uintptr
			offs   [Lanes]uint32
		)
		for l, p := range next {
			if mask&(1<<l) == 0 {
				continue
			}
			a := uintptr(p) + uintptr(done*blockSize)
			if base == nil || a < lo {
				base, lo = unsafe.Add(p, done*blockSize), a
			}
			hi = max(hi, a)
		}
		// The kernel's last read is at offset hi-lo plus the stretch,
		// and its offsets are signed.
		if hi-lo+uintptr((end-done)*blockSize) > math.MaxInt32 {
			return false
		}
		for l, p := range next {
			if mask&(1<<l) != 0 {
				offs[l] = uint32(uintptr(p) + uintptr(done*blockSize) - lo)
			}
		}
		block16(st, (*byte)(base), &offs, mask, end-done)
		done = end
	}
}

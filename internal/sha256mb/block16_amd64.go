//go:build amd64 && !purego

package sha256mb

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// haveVector: the kernel needs AVX-512 F (rotates, ternary logic, gathers)
// and BW (the byte shuffle), and an OS that saves the registers
// (golang.org/x/sys/cpu checks that too).
var haveVector = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW

// block16 hashes n blocks of each lane whose bit is set in mask, the lane's
// next block starting at base+offs[lane], into st; it advances every lane's
// offset by n blocks. Block16_amd64.s, written by gen.go.
//
//go:noescape
func block16(st *state, base *byte, offs *[Lanes]uint32, mask uint16, n int)

func addr(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// state holds sixteen SHA-256 states, word-major: state[w][lane].
type state [8][Lanes]uint32

// sum16 hashes the messages of the group g (at most sixteen) side by side
// with the vector kernel: first their whole blocks, read where they lie,
// then each one's tail, padded, from a buffer of its own. It reports false,
// having hashed nothing, where the kernel cannot address the messages from
// one base (they lie more than 2 GiB apart).
func sum16(out [][Size]byte, msgs [][]byte, g []int) bool {
	var st state
	for w := range st {
		for l := range st[w] {
			st[w][l] = iv[w]
		}
	}

	// The whole blocks, addressed by 32-bit offsets from the lowest message.
	var lo, hi uintptr
	var blocks [Lanes]int
	for l, i := range g {
		m := msgs[i]
		blocks[l] = len(m) / blockSize
		if blocks[l] == 0 {
			continue
		}
		start := addr(m)
		end := start + uintptr(blocks[l]*blockSize)
		if lo == 0 || start < lo {
			lo = start
		}
		hi = max(hi, end)
	}
	if lo != 0 {
		if hi-lo > 1<<31-1 {
			return false
		}
		var offs [Lanes]uint32
		var base *byte
		for l, i := range g {
			if blocks[l] > 0 {
				offs[l] = uint32(addr(msgs[i]) - lo)
				if offs[l] == 0 {
					base = &msgs[i][0]
				}
			}
		}
		run(&st, base, &offs, &blocks)
	}

	// The tails: the bytes after the last whole block, the 0x80 byte, zeros
	// and the message length in bits, in one or two blocks.
	var tails [Lanes][2 * blockSize]byte
	var offs [Lanes]uint32
	for l, i := range g {
		m := msgs[i]
		r := copy(tails[l][:], m[len(m)/blockSize*blockSize:])
		tails[l][r] = 0x80
		blocks[l] = 1
		if r >= blockSize-8 {
			blocks[l] = 2
		}
		binary.BigEndian.PutUint64(tails[l][blocks[l]*blockSize-8:], uint64(len(m))*8)
		offs[l] = uint32(l * 2 * blockSize)
	}
	run(&st, &tails[0][0], &offs, &blocks)

	for l, i := range g {
		for w := range st {
			binary.BigEndian.PutUint32(out[i][4*w:], st[w][l])
		}
	}
	return true
}

// run hashes blocks[l] blocks of every lane l from base+offs[l], calling the
// kernel once for each stretch over which the same lanes are still active.
func run(st *state, base *byte, offs *[Lanes]uint32, blocks *[Lanes]int) {
	done := 0
	for {
		var mask uint16
		next := 0
		for l, b := range blocks {
			if b > done {
				mask |= 1 << l
				if next == 0 || b < next {
					next = b
				}
			}
		}
		if mask == 0 {
			return
		}
		block16(st, base, offs, mask, next-done)
		done = next
	}
}

package sha256mb

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"
)

// randMsgs returns n messages of lengths drawn by size, filled with random
// bytes, some of them sharing one backing array, as a caller's slices may.
func randMsgs(r *rand.Rand, n int, size func() int) [][]byte {
	msgs := make([][]byte, n)
	for i := range msgs {
		b := make([]byte, size())
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		msgs[i] = b
	}
	if n > 2 {
		shared := append(append([]byte{}, msgs[0]...), msgs[1]...)
		msgs[0], msgs[1] = shared[:len(msgs[0])], shared[len(msgs[0]):]
	}
	return msgs
}

func checkSums(t *testing.T, msgs [][]byte) {
	t.Helper()
	got := make([][Size]byte, len(msgs))
	Sum(got, msgs)
	for i, m := range msgs {
		if want := sha256.Sum256(m); got[i] != want {
			t.Fatalf("message %d of %d (%d bytes): got %x, want %x", i, len(msgs), len(m), got[i], want)
		}
	}
}

// TestSum compares every digest with crypto/sha256, over batches that go to
// the vector kernel (wide, alike) and batches that do not, and every length
// around the padding's edges.
func TestSum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		n    int
		size func() int
	}{
		{"one", 1, func() int { return 1 << 20 }},
		{"sixteen equal", 16, func() int { return 1 << 20 }},
		{"sixteen equal, not whole blocks", 16, func() int { return 1<<20 - 13 }},
		{"seventeen", 17, func() int { return 4096 }},
		{"forty uneven", 40, func() int { return r.IntN(300000) }},
		{"small", 64, func() int { return r.IntN(200) }},
		{"empty", 16, func() int { return 0 }},
		{"one long, many short", 16, func() int { return []int{1 << 20, 100}[r.IntN(2)] }},
	} {
		t.Run(tc.name, func(t *testing.T) { checkSums(t, randMsgs(r, tc.n, tc.size)) })
	}
	// Every tail length, 0 to 2 blocks and a bit, in one batch: the 0x80
	// byte and the length land in the first or the second padding block.
	for base := 0; base <= 1024; base += 1024 {
		t.Run(fmt.Sprintf("tails after %d", base), func(t *testing.T) {
			n := 0
			checkSums(t, randMsgs(r, 140, func() int { n++; return base + n - 1 }))
		})
	}
}

// TestKernel drives sum16 directly, so that it is tested even where Sum
// would prefer crypto/sha256 for a batch.
func TestKernel(t *testing.T) {
	if !haveVector {
		t.Skip("no vector kernel on this CPU")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for lanes := 1; lanes <= Lanes; lanes++ {
		msgs := randMsgs(r, lanes, func() int { return r.IntN(5000) })
		g := make([]int, lanes)
		for i := range g {
			g[i] = i
		}
		got := make([][Size]byte, lanes)
		if !sum16(got, msgs, g) {
			t.Fatalf("%d lanes: the kernel refused messages of one process", lanes)
		}
		for i, m := range msgs {
			if want := sha256.Sum256(m); got[i] != want {
				t.Fatalf("%d lanes, lane %d (%d bytes): got %x, want %x", lanes, i, len(m), got[i], want)
			}
		}
	}
}

func FuzzSum(f *testing.F) {
	f.Add([]byte("abc"), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		// n+1 messages cut from data at points drawn from it.
		msgs := make([][]byte, int(n%40)+1)
		for i := range msgs {
			if len(data) == 0 {
				break
			}
			k := int(data[0]) * 7 % (len(data) + 1)
			msgs[i], data = data[:k], data[k:]
		}
		checkSums(t, msgs)
	})
}

func BenchmarkSum(b *testing.B) {
	for _, size := range []int{256 << 10, 1 << 20} {
		msgs := randMsgs(rand.New(rand.NewPCG(5, 6)), Lanes, func() int { return size })
		out := make([][Size]byte, len(msgs))
		b.Run(fmt.Sprintf("batch/%d", size), func(b *testing.B) {
			b.SetBytes(int64(Lanes * size))
			for b.Loop() {
				Sum(out, msgs)
			}
		})
		b.Run(fmt.Sprintf("each/%d", size), func(b *testing.B) {
			b.SetBytes(int64(Lanes * size))
			for b.Loop() {
				sumEach(out, msgs, nil)
			}
		})
	}
}

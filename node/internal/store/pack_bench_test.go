package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	blocks "github.com/ipfs/go-block-format"

	"github.com/cairnpkg/cairn/dag/dagtest"
)

const benchBytes = 64 << 20

var benchSizes = []int{4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20}

// benchBlocks returns 64 MiB of random blocks of size bytes.
func benchBlocks(b *testing.B, size int) []blocks.Block {
	bs := make([]blocks.Block, benchBytes/size)
	rng := rand.New(rand.NewPCG(1, uint64(size)))
	for i := range bs {
		data := make([]byte, size)
		for j := 0; j < len(data); j += 8 {
			v := rng.Uint64()
			for k := 0; k < 8 && j+k < len(data); k++ {
				data[j+k] = byte(v >> (8 * k))
			}
		}
		c, _ := dagtest.Content(b, data)
		bs[i], _ = blocks.NewBlockWithCid(data, c)
	}
	return bs
}

// benchStore opens a store in a temporary directory that packs every block
// (pack) or none (badger).
func benchStore(b *testing.B, pack bool) *Store {
	s, err := Open(context.Background(), DefaultOptions(b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	s.bs.threshold = 1 << 30
	if pack {
		s.bs.threshold = 0
	}
	return s
}

// benchPut writes bs in one Txn, 64 blocks per PutMany, and commits it.
func benchPut(b *testing.B, s *Store, bs []blocks.Block) {
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(bs); i += 64 {
		if err := tx.Blockstore().PutMany(ctx, bs[i:min(i+64, len(bs))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPutBlocks writes 64 MiB of blocks of one size in a Txn and commits
// it, with the blocks in badger's value log or in a pack file; with
// BenchmarkGetBlocks, the data behind PackThreshold.
//
//	go test -run - -bench Blocks -benchtime 5x ./node/internal/store/
func BenchmarkPutBlocks(b *testing.B) {
	for _, size := range benchSizes {
		bs := benchBlocks(b, size)
		for _, pack := range []bool{false, true} {
			b.Run(fmt.Sprintf("pack=%v/%dKiB", pack, size>>10), func(b *testing.B) {
				b.SetBytes(benchBytes)
				for b.Loop() {
					b.StopTimer()
					s := benchStore(b, pack)
					b.StartTimer()
					benchPut(b, s, bs)
					b.StopTimer()
					s.Close()
					b.StartTimer()
				}
			})
		}
	}
}

// BenchmarkGetBlocks reads back, through the verifying blockstore, 64 MiB of
// blocks of one size.
func BenchmarkGetBlocks(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes {
		bs := benchBlocks(b, size)
		for _, pack := range []bool{false, true} {
			b.Run(fmt.Sprintf("pack=%v/%dKiB", pack, size>>10), func(b *testing.B) {
				s := benchStore(b, pack)
				defer s.Close()
				benchPut(b, s, bs)
				b.SetBytes(benchBytes)
				for b.Loop() {
					for _, blk := range bs {
						if _, err := s.Blockstore().Get(ctx, blk.Cid()); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}

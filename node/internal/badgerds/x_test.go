package badgerds

import (
	"testing"

	dstest "github.com/ipfs/go-datastore/test"
)

func TestXSmallMem(t *testing.T) {
	o := DefaultOptions(t.TempDir())
	o.MemTableSize = 1 << 20
	dstest.SubtestAll(t, openWith(t, o))
}
func TestXSmallMemInMem(t *testing.T) {
	o := DefaultOptions("")
	o.InMemory = true
	o.MemTableSize = 1 << 20
	dstest.SubtestAll(t, openWith(t, o))
}

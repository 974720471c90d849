package badgerds

import (
	"testing"

	dstest "github.com/ipfs/go-datastore/test"
)

// TestConformance runs go-datastore's own suite (which includes the three
// batch tests) on a disk and an in-memory datastore.
func TestConformance(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			dstest.SubtestAll(t, k.open(t))
		})
	}
}

// TestConformanceBatch runs the batch tests again, each on a fresh datastore
// and with batches small enough to flush several times.
func TestConformanceBatch(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			t.Run("RunBatchTest", func(t *testing.T) { dstest.RunBatchTest(t, k.open(t)) })
			t.Run("RunBatchDeleteTest", func(t *testing.T) { dstest.RunBatchDeleteTest(t, k.open(t)) })
			t.Run("RunBatchPutAndDeleteTest", func(t *testing.T) { dstest.RunBatchPutAndDeleteTest(t, k.open(t)) })
		})
	}
}

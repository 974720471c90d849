package badgerds

import (
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

const (
	kib = 1 << 10
	mib = 1 << 20
	gib = 1 << 30
)

// Options configures a Datastore. Start from DefaultOptions and change only
// what you must: the defaults are tuned for bounded memory with values of up
// to about 1 MiB (content blocks), not for badger's usual
// throughput-at-any-cost profile.
//
// Measured with TestImportRSS and BADGERDS_RSS_MIB=1024 (Linux 6.18, Go 1.26,
// 2 cores shared with other jobs): writing 1 GiB as 1 MiB blocks through
// batches, syncing, then reading every block back peaks at 87-92 MiB VmHWM
// for the whole process on an idle machine (30-45 MiB anonymous, mostly Go
// heap, and 9 MiB of mapped files at rest), 93-115 MiB on a loaded one where
// the GC lags (once 170 MiB), against the 200 MB budget. The same run with
// ReleaseMappedBytes = 0 peaks at 1078 MiB, 1033 MiB of it value log pages
// left mapped; with badger's default sizes as well (64 MiB memtables x5,
// 256 MiB block cache, unbounded index cache, 1 GiB value log files) at
// 1150-1190 MiB, with 115-155 MiB anonymous.
type Options struct {
	// Dir is the directory holding the database. Required unless InMemory.
	Dir string

	// InMemory keeps everything in RAM and writes nothing to disk; meant for
	// tests. Dir must be empty. Badger then stores every value inside the LSM
	// tree, and it only accepts values smaller than min(1 MiB, 15% of
	// MemTableSize): 1 MiB - 1 byte with the default MemTableSize, so a full
	// 1 MiB block does not fit (Put fails with ErrValueTooLarge; badger
	// itself would crash on a value of exactly that size). Use a disk
	// datastore in t.TempDir() for tests with full-size blocks. Badger's
	// per-transaction limit then counts whole values. ValueThreshold is
	// ignored.
	InMemory bool

	// SyncWrites fsyncs the value log on every commit. Off by default: a crash
	// loses at most the last unsynced writes and badger recovers to a
	// consistent state; call Datastore.Sync at the points that need durability
	// (for example at the end of an import).
	SyncWrites bool

	// MemTableSize is the size of one memtable (and of its write-ahead log).
	// Default 8 MiB instead of badger's 64 MiB: with ValueThreshold small,
	// a memtable holds only keys and 12-byte value pointers (about 100 bytes
	// per 1 MiB block), so 8 MiB still absorbs tens of thousands of writes.
	// Badger caps one transaction at 15% of this (see MaxTxnBytes).
	MemTableSize int64

	// NumMemtables is how many memtables may exist at once (one being
	// written, the rest waiting to be flushed). Default 2 instead of 5: each
	// costs about 1.3 * MemTableSize of heap, and with values in the value log
	// memtables fill slowly, so more than one in flight buys nothing.
	NumMemtables int

	// BlockCacheSize caches decoded SSTable blocks. Default 8 MiB instead of
	// 256 MiB: compression is off, so blocks are read straight from the mmapped
	// table files and the cache only saves re-parsing; block keys are hashes,
	// so a big cache would have a poor hit rate anyway.
	BlockCacheSize int64

	// IndexCacheSize caps the memory used by SSTable indexes and bloom
	// filters. Default 16 MiB instead of 0 (badger's 0 means "keep every index
	// in memory", which grows with the number of keys without bound).
	IndexCacheSize int64

	// ValueLogFileSize is the size at which a value log file is rotated.
	// Default 64 MiB instead of 1 GiB: the file being written is mmapped with
	// twice this size, and value log GC rewrites whole files, so smaller files
	// mean less mapped memory and finer-grained garbage collection. It is also
	// the largest value accepted.
	ValueLogFileSize int64

	// ValueThreshold is the value size from which values are stored in the
	// value log instead of inside the LSM tree. Default 256 bytes: blocks (up
	// to 1 MiB, and the 300-900 byte nodes of a small package) then never go
	// through LSM compaction, which would otherwise rewrite them several times
	// and keep them in memtables and table blocks, and a lookup searches
	// tables of keys and pointers only. With 100,000 small packages
	// (scripts/bench-scale.sh) the tables take 210 MB instead of 278 at 1 KiB,
	// the build is 7% faster and a name's versions answer p50 2.3 -> 1.9 ms.
	ValueThreshold int64

	// NumLevelZeroTables is the number of level-0 tables that triggers a
	// compaction into level 1. Default 3 instead of 5: every lookup checks
	// every level-0 table, and these tables hold only keys, so compacting
	// them early is cheap.
	NumLevelZeroTables int

	// NumLevelZeroTablesStall is the number of level-0 tables at which writes
	// stall until compaction catches up. Default 10 instead of 15, which still
	// leaves room for write bursts.
	NumLevelZeroTablesStall int

	// BatchFlushBytes is how many bytes of keys and values a Batch buffers
	// before writing them to badger ahead of Commit. Default 16 MiB: a batch
	// keeps its values in memory, so without a cap a batch of 1 MiB blocks
	// could hold gigabytes (badger's own write batch counts a large value as
	// a 12-byte pointer). A batch smaller than this stays invisible to readers
	// until Commit.
	BatchFlushBytes int64

	// MaxTxnBytes caps the keys and values a Txn may hold before Commit; a
	// write past it fails with ErrTxnTooBig. Default 32 MiB, for the same
	// reason as BatchFlushBytes: badger keeps every pending value of a
	// transaction in memory and does not count large values.
	MaxTxnBytes int64

	// ReleaseMappedBytes is how many bytes of values may be written or read
	// before the datastore drops the database files' pages from this
	// process's page tables (see releaser in release.go; Linux only). Default 32 MiB. Without it, badger's mmapped value log keeps
	// every block written or read resident: RSS grows by the size of the
	// data. 0 disables it (then RSS is bounded only by the kernel's reclaim
	// under memory pressure); it does nothing in memory.
	ReleaseMappedBytes int64

	// GCDiscardRatio is the fraction of a value log file that must be garbage
	// for CollectGarbage to rewrite it. Default 0.5, badger's recommendation
	// (lifetime write amplification of about 2).
	GCDiscardRatio float64
}

// DefaultOptions returns the bounded-memory defaults for a database in dir.
// For an in-memory database use DefaultOptions("") and set InMemory.
func DefaultOptions(dir string) Options {
	return Options{
		Dir:                     dir,
		MemTableSize:            8 * mib,
		NumMemtables:            2,
		BlockCacheSize:          8 * mib,
		IndexCacheSize:          16 * mib,
		ValueLogFileSize:        64 * mib,
		ValueThreshold:          256,
		NumLevelZeroTables:      3,
		NumLevelZeroTablesStall: 10,
		BatchFlushBytes:         16 * mib,
		MaxTxnBytes:             32 * mib,
		ReleaseMappedBytes:      32 * mib,
		GCDiscardRatio:          0.5,
	}
}

// Validate reports the first problem with o, wrapping ErrInvalidOptions. It
// checks the limits badger enforces at open time too, so New fails with a
// clear message instead of a badger one.
func (o Options) Validate() error {
	switch {
	case !o.InMemory && o.Dir == "":
		return invalid("dir is required unless in-memory")
	case o.InMemory && o.Dir != "":
		return invalid("dir must be empty when in-memory (got %q)", o.Dir)
	case o.MemTableSize < 1*mib:
		return invalid("memtable size %d is below 1 MiB", o.MemTableSize)
	case o.NumMemtables < 1:
		return invalid("number of memtables %d is below 1", o.NumMemtables)
	case o.BlockCacheSize < 0:
		return invalid("block cache size %d is negative", o.BlockCacheSize)
	case o.IndexCacheSize < 0:
		return invalid("index cache size %d is negative", o.IndexCacheSize)
	case o.ValueLogFileSize < 1*mib || o.ValueLogFileSize >= 2*gib:
		return invalid("value log file size %d is outside [1 MiB, 2 GiB)", o.ValueLogFileSize)
	case o.ValueThreshold < 1 || o.ValueThreshold > 1*mib:
		return invalid("value threshold %d is outside [1, 1 MiB]", o.ValueThreshold)
	case o.ValueThreshold > o.MemTableSize*15/100:
		return invalid("value threshold %d exceeds 15%% of the memtable size %d", o.ValueThreshold, o.MemTableSize)
	case o.NumLevelZeroTables < 1:
		return invalid("number of level-0 tables %d is below 1", o.NumLevelZeroTables)
	case o.NumLevelZeroTablesStall <= o.NumLevelZeroTables:
		return invalid("level-0 stall %d must exceed level-0 tables %d", o.NumLevelZeroTablesStall, o.NumLevelZeroTables)
	case o.BatchFlushBytes < 1:
		return invalid("batch flush bytes %d is below 1", o.BatchFlushBytes)
	case o.MaxTxnBytes < 1:
		return invalid("max txn bytes %d is below 1", o.MaxTxnBytes)
	case o.ReleaseMappedBytes < 0:
		return invalid("release mapped bytes %d is negative", o.ReleaseMappedBytes)
	case !(o.GCDiscardRatio > 0 && o.GCDiscardRatio < 1):
		return invalid("gc discard ratio %v is outside (0, 1)", o.GCDiscardRatio)
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...)
}

// badgerOptions maps o onto badger's options. Settings that are not knobs are
// fixed here, each for the reason given.
func (o Options) badgerOptions() badger.Options {
	threshold := o.ValueThreshold
	if o.InMemory {
		// Badger rejects in-memory values above the threshold, so use the
		// largest one it accepts.
		threshold = o.inMemoryThreshold()
	}
	return badger.DefaultOptions(o.Dir).
		WithInMemory(o.InMemory).
		WithSyncWrites(o.SyncWrites).
		WithMemTableSize(o.MemTableSize).
		WithNumMemtables(o.NumMemtables).
		WithBlockCacheSize(o.BlockCacheSize).
		WithIndexCacheSize(o.IndexCacheSize).
		WithValueLogFileSize(o.ValueLogFileSize).
		WithValueThreshold(threshold).
		WithNumLevelZeroTables(o.NumLevelZeroTables).
		WithNumLevelZeroTablesStall(o.NumLevelZeroTablesStall).
		// Blocks are hashes of already-compressed or incompressible data:
		// compressing table blocks costs CPU and a block cache for nothing.
		WithCompression(options.None).
		// Badger logs to stderr by default; a library must not print.
		WithLogger(nil).
		// Metrics live in process-wide expvar maps; we do not export them.
		WithMetricsEnabled(false).
		// Two compactors (badger's minimum) instead of four: each holds table
		// builders in memory, and the LSM here holds keys only.
		WithNumCompactors(2).
		// Go goroutines for badger's Stream framework; unused by this package.
		WithNumGoroutines(2)
}

// inMemoryThreshold is the value threshold used in memory: the largest badger
// accepts, 1 MiB, within its limit of 15% of the memtable.
func (o Options) inMemoryThreshold() int64 {
	return min(1*mib, o.MemTableSize*15/100)
}

// maxValueSize is the largest value the datastore accepts. In memory, badger
// rejects values above the threshold and crashes on one equal to it (it then
// looks for a value log pointer that in-memory mode never makes); on disk it
// rejects values larger than a value log file.
func (o Options) maxValueSize() int64 {
	if o.InMemory {
		return o.inMemoryThreshold() - 1
	}
	return o.ValueLogFileSize
}

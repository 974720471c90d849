package badgerds

import (
	"errors"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Options)
		valid  bool
	}{
		{"defaults", func(*Options) {}, true},
		{"in memory", func(o *Options) { o.Dir, o.InMemory = "", true }, true},
		{"no dir", func(o *Options) { o.Dir = "" }, false},
		{"dir in memory", func(o *Options) { o.InMemory = true }, false},
		{"tiny memtable", func(o *Options) { o.MemTableSize = 512 * kib }, false},
		{"no memtables", func(o *Options) { o.NumMemtables = 0 }, false},
		{"negative block cache", func(o *Options) { o.BlockCacheSize = -1 }, false},
		{"no block cache", func(o *Options) { o.BlockCacheSize = 0 }, true},
		{"negative index cache", func(o *Options) { o.IndexCacheSize = -1 }, false},
		{"small value log", func(o *Options) { o.ValueLogFileSize = 1*mib - 1 }, false},
		{"huge value log", func(o *Options) { o.ValueLogFileSize = 2 * gib }, false},
		{"zero threshold", func(o *Options) { o.ValueThreshold = 0 }, false},
		{"threshold over 1 MiB", func(o *Options) { o.ValueThreshold = 1*mib + 1 }, false},
		{"threshold over 15% of memtable", func(o *Options) { o.ValueThreshold = 2 * mib }, false},
		{"no level-0 tables", func(o *Options) { o.NumLevelZeroTables = 0 }, false},
		{"stall not above level-0", func(o *Options) { o.NumLevelZeroTablesStall = o.NumLevelZeroTables }, false},
		{"no batch flush", func(o *Options) { o.BatchFlushBytes = 0 }, false},
		{"no txn bytes", func(o *Options) { o.MaxTxnBytes = 0 }, false},
		{"release off", func(o *Options) { o.ReleaseMappedBytes = 0 }, true},
		{"negative release", func(o *Options) { o.ReleaseMappedBytes = -1 }, false},
		{"gc ratio 0", func(o *Options) { o.GCDiscardRatio = 0 }, false},
		{"gc ratio 1", func(o *Options) { o.GCDiscardRatio = 1 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions(t.TempDir())
			tt.change(&o)
			err := o.Validate()
			if tt.valid != (err == nil) {
				t.Fatalf("Validate() = %v, want valid %v", err, tt.valid)
			}
			if err != nil && !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("%v does not wrap ErrInvalidOptions", err)
			}
			d, err := New(o)
			if tt.valid != (err == nil) {
				t.Fatalf("New() = %v, want success %v", err, tt.valid)
			}
			if d != nil {
				if err := d.Close(); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

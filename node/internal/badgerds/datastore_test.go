package badgerds

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"
)

func TestGetReturnsCopy(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			d := openWith(t, k.options(t))
			ctx := context.Background()
			for _, size := range []int{3, 4 * kib, bigValue(d)} { // inline and value log
				want := randBytes(uint64(size), size)
				mustPut(t, d, "/k", want)
				got, err := d.Get(ctx, ds.NewKey("/k"))
				if err != nil {
					t.Fatal(err)
				}
				clear(got) // must not reach badger's buffers
				mustPut(t, d, "/other", randBytes(9, size))
				wantValue(t, d, "/k", want)
			}
		})
	}
}

// TestGetSize checks GetSize is exact at every size, including 1 MiB values
// in the value log (where badger's Item.ValueSize is off by one), and that on
// disk it does not copy the value.
func TestGetSize(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			d := openWith(t, k.options(t))
			ctx := context.Background()
			sizes := []int{0, 1, 127, 128, 1023, 1024, 1025, 16383, 16384, 300 * kib, bigValue(d)}
			for _, size := range sizes {
				key := ds.NewKey("/size").ChildString(itoa(size))
				if err := d.Put(ctx, key, randBytes(uint64(size), size)); err != nil {
					t.Fatal(err)
				}
				got, err := d.GetSize(ctx, key)
				if err != nil || got != size {
					t.Errorf("GetSize(%d-byte value) = %d, %v", size, got, err)
				}
			}
			if size, err := d.GetSize(ctx, ds.NewKey("/missing")); size != -1 || !errors.Is(err, ds.ErrNotFound) {
				t.Errorf("GetSize(missing) = %d, %v; want -1, ErrNotFound", size, err)
			}

			key := ds.NewKey("/size").ChildString(itoa(bigValue(d)))
			getSize := allocatedPerCall(20, func() { _, _ = d.GetSize(ctx, key) })
			get := allocatedPerCall(20, func() { _, _ = d.Get(ctx, key) })
			if get < uint64(bigValue(d)) {
				t.Fatalf("Get of a %d-byte value allocated %d bytes: the measurement is broken", bigValue(d), get)
			}
			// In memory badger's Txn.Get itself copies the (inline) value, so
			// only the disk datastore can avoid the copy.
			if k.name == "disk" && getSize > 64*kib {
				t.Errorf("GetSize of a %d-byte value allocated %d bytes per call; it must not copy", bigValue(d), getSize)
			}
		})
	}
}

// bigValue is the size of a full 1 MiB block, or the largest value an
// in-memory datastore takes (1 MiB - 1).
func bigValue(d *Datastore) int {
	return int(min(1*mib, d.opts.maxValueSize()))
}

func TestValueTooLarge(t *testing.T) {
	ctx := context.Background()
	disk := DefaultOptions(t.TempDir())
	disk.ValueLogFileSize = 1 * mib
	for name, o := range map[string]Options{"disk": disk, "memory": memOptions()} {
		t.Run(name, func(t *testing.T) {
			d := openWith(t, o)
			limit := int(d.opts.maxValueSize())
			if limit < 1*mib-1 {
				t.Fatalf("limit %d, want at least 1 MiB - 1", limit)
			}
			txn, _ := d.NewTransaction(ctx, false)
			defer txn.Discard(ctx)
			batch, _ := d.Batch(ctx)
			writers := map[string]ds.Write{"datastore": d, "batch": batch, "txn": txn}
			for wname, w := range writers {
				key := ds.NewKey("/" + wname)
				// In memory badger crashes on a value of exactly its threshold,
				// limit+1; make sure that size is refused, not stored.
				if err := w.Put(ctx, key, make([]byte, limit+1)); !errors.Is(err, ErrValueTooLarge) {
					t.Errorf("%s: Put(%d bytes) = %v, want ErrValueTooLarge", wname, limit+1, err)
				}
				if err := w.Put(ctx, key, make([]byte, limit)); err != nil {
					t.Errorf("%s: Put(%d bytes) = %v", wname, limit, err)
				}
			}
			if err := batch.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if err := txn.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			for wname := range writers {
				if size, err := d.GetSize(ctx, ds.NewKey("/"+wname)); size != limit || err != nil {
					t.Errorf("%s: GetSize = %d, %v; want %d", wname, size, err, limit)
				}
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	o := DefaultOptions(t.TempDir())
	big := randBytes(1, 1*mib+13)
	small := randBytes(2, 10)

	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, d, "/put/big", big)
	mustPut(t, d, "/put/small", small)
	mustPut(t, d, "/put/deleted", small)
	if err := d.Delete(ctx, ds.NewKey("/put/deleted")); err != nil {
		t.Fatal(err)
	}
	b, _ := d.Batch(ctx)
	mustPut(t, b, "/batch", big)
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	txn, _ := d.NewTransaction(ctx, false)
	mustPut(t, txn, "/txn", small)
	if err := txn.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	d = openWith(t, o)
	wantValue(t, d, "/put/big", big)
	wantValue(t, d, "/put/small", small)
	wantValue(t, d, "/batch", big)
	wantValue(t, d, "/txn", small)
	wantMissing(t, d, "/put/deleted")
}

func TestCloseIdempotent(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			d, err := New(k.options(t))
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 8)
			for i := range errs {
				wg.Go(func() { errs[i] = d.Close() })
			}
			wg.Wait()
			for i, err := range append(errs, d.Close()) {
				if err != nil {
					t.Errorf("Close #%d: %v", i, err)
				}
			}
		})
	}
}

// TestUseAfterClose checks that everything fails with ErrClosed after Close,
// including what was handed out before it, and that nothing panics (badger
// itself panics or crashes on use after close).
func TestUseAfterClose(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			ctx := context.Background()
			d, err := New(k.options(t))
			if err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				mustPut(t, d, "/k"+itoa(i), []byte("v"))
			}
			txn, _ := d.NewTransaction(ctx, false)
			mustPut(t, txn, "/txn", []byte("v"))
			txnResults, err := txn.Query(ctx, query.Query{}) // left open on purpose
			if err != nil {
				t.Fatal(err)
			}
			results, err := d.Query(ctx, query.Query{})
			if err != nil {
				t.Fatal(err)
			}
			if r, ok := results.NextSync(); !ok || r.Error != nil {
				t.Fatalf("first result: %v, %v", r, ok)
			}
			batch, _ := d.Batch(ctx)
			mustPut(t, batch, "/batch", []byte("v"))

			if err := d.Close(); err != nil {
				t.Fatal(err)
			}

			key := ds.NewKey("/k0")
			_, errGet := d.Get(ctx, key)
			_, errHas := d.Has(ctx, key)
			_, errSize := d.GetSize(ctx, key)
			_, errQuery := d.Query(ctx, query.Query{})
			_, errBatch := d.Batch(ctx)
			_, errTxn := d.NewTransaction(ctx, true)
			_, errUsage := d.DiskUsage(ctx)
			_, errTxnGet := txn.Get(ctx, key)
			checks := map[string]error{
				"Get": errGet, "Has": errHas, "GetSize": errSize, "Query": errQuery,
				"Batch": errBatch, "NewTransaction": errTxn, "DiskUsage": errUsage,
				"Put":            d.Put(ctx, key, nil),
				"Delete":         d.Delete(ctx, key),
				"Sync":           d.Sync(ctx, key),
				"CollectGarbage": d.CollectGarbage(ctx),
				"Check":          d.Check(ctx),
				"batch Put":      batch.Put(ctx, key, nil),
				"batch Commit":   batch.Commit(ctx),
				"txn Get":        errTxnGet,
				"txn Put":        txn.Put(ctx, key, nil),
				"txn Commit":     txn.Commit(ctx),
			}
			for name, err := range checks {
				if !errors.Is(err, ErrClosed) {
					t.Errorf("%s after Close: got %v, want ErrClosed", name, err)
				}
			}
			txn.Discard(ctx) // must not panic

			for name, res := range map[string]query.Results{"datastore": results, "txn": txnResults} {
				r, ok := res.NextSync()
				if !ok || !errors.Is(r.Error, ErrClosed) {
					t.Errorf("%s query after Close: got %+v, %v; want an ErrClosed result", name, r, ok)
				}
				if r, ok := res.NextSync(); ok {
					t.Errorf("%s query after its error: got %+v, want the end", name, r)
				}
				if err := res.Close(); err != nil {
					t.Errorf("%s query Close: %v", name, err)
				}
			}
		})
	}
}

func TestDiskUsage(t *testing.T) {
	ctx := context.Background()
	d := openWith(t, DefaultOptions(t.TempDir()))
	for i := range 8 {
		mustPut(t, d, "/blocks/"+itoa(i), randBytes(uint64(i), 1*mib))
	}
	usage, err := d.DiskUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// At least the values; well under the apparent size of the sparse files
	// badger preallocates (128 MiB for the value log alone).
	if usage < 8*mib || usage > 40*mib {
		t.Errorf("DiskUsage = %d MiB after writing 8 MiB, want 8 to 40 MiB", usage/mib)
	}

	m := openMem(t)
	mustPut(t, m, "/k", []byte("v"))
	if usage, err := m.DiskUsage(ctx); usage != 0 || err != nil {
		t.Errorf("in-memory DiskUsage = %d, %v; want 0, nil", usage, err)
	}
}

func TestSyncCheckCollectGarbage(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			ctx := context.Background()
			d := openWith(t, k.options(t))
			for i := range 4 {
				mustPut(t, d, "/k"+itoa(i), randBytes(uint64(i), 100*kib))
				if err := d.Delete(ctx, ds.NewKey("/k"+itoa(i))); err != nil {
					t.Fatal(err)
				}
			}
			if err := d.Sync(ctx, ds.NewKey("/")); err != nil {
				t.Errorf("Sync: %v", err)
			}
			if err := d.Check(ctx); err != nil {
				t.Errorf("Check: %v", err)
			}
			if err := d.CollectGarbage(ctx); err != nil {
				t.Errorf("CollectGarbage: %v", err)
			}
			canceled, cancel := context.WithCancel(ctx)
			cancel()
			if err := d.CollectGarbage(canceled); !errors.Is(err, context.Canceled) {
				t.Errorf("CollectGarbage(canceled) = %v, want context.Canceled", err)
			}
		})
	}
}

// TestSilent checks that badger prints nothing: its default logger writes to
// the os.Stderr of the moment the options are built.
func TestSilent(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, w
	func() {
		defer func() { os.Stdout, os.Stderr = stdout, stderr }()
		o := DefaultOptions(t.TempDir())
		for range 2 { // the second open replays the logs, which badger reports
			d, err := New(o)
			if err != nil {
				t.Error(err)
				return
			}
			mustPut(t, d, "/k", randBytes(1, 64*kib))
			if err := d.Close(); err != nil {
				t.Error(err)
			}
		}
	}()
	w.Close()
	out, _ := io.ReadAll(r)
	if len(out) > 0 {
		t.Errorf("the datastore printed:\n%s", out)
	}
}

// TestCloseUnderLoad closes the datastore while goroutines use it in every
// way; they must only ever see ErrClosed (or ErrNotFound), never a crash.
func TestCloseUnderLoad(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			ctx := context.Background()
			d, err := New(k.options(t))
			if err != nil {
				t.Fatal(err)
			}
			value := randBytes(1, 8*kib)
			ok := func(err error) bool {
				return err == nil || errors.Is(err, ErrClosed) || errors.Is(err, ds.ErrNotFound)
			}
			workers := []func(i int) error{
				func(i int) error { return d.Put(ctx, ds.NewKey("/p/"+itoa(i%50)), value) },
				func(i int) error { _, err := d.Get(ctx, ds.NewKey("/p/"+itoa(i%50))); return err },
				func(i int) error {
					res, err := d.Query(ctx, query.Query{Prefix: "/p"})
					if err != nil {
						return err
					}
					defer res.Close()
					for r := range res.Next() {
						if r.Error != nil {
							return r.Error
						}
					}
					return nil
				},
				func(i int) error {
					txn, err := d.NewTransaction(ctx, false)
					if err != nil {
						return err
					}
					defer txn.Discard(ctx)
					if _, err := txn.Query(ctx, query.Query{}); err != nil { // left open
						return err
					}
					if err := txn.Put(ctx, ds.NewKey("/t/"+itoa(i%50)), value); err != nil {
						return err
					}
					return txn.Commit(ctx)
				},
				func(i int) error {
					b, err := d.Batch(ctx)
					if err != nil {
						return err
					}
					for j := range 10 {
						if err := b.Put(ctx, ds.NewKey("/b/"+itoa(j)), value); err != nil {
							return err
						}
					}
					return b.Commit(ctx)
				},
			}
			var wg sync.WaitGroup
			started := make(chan struct{}, len(workers))
			for _, work := range workers {
				wg.Go(func() {
					for i := 0; ; i++ {
						if i == 5 {
							started <- struct{}{}
						}
						err := work(i)
						if !ok(err) {
							t.Errorf("unexpected error: %v", err)
						}
						if errors.Is(err, ErrClosed) {
							return
						}
					}
				})
			}
			for range workers {
				<-started
			}
			if err := d.Close(); err != nil {
				t.Error(err)
			}
			wg.Wait()
		})
	}
}

// TestOpensAfterEmptyValueLog: a value-log or memtable file of zero bytes,
// as a kill between its creation and its header leaves, does not stop the
// database from opening, and what was written before is still there.
func TestOpensAfterEmptyValueLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := New(DefaultOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, ds.NewKey("/kept"), make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	if err := d.Sync(ctx, ds.NewKey("/")); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"000009.vlog", "00009.mem"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d, err = New(DefaultOptions(dir))
	if err != nil {
		t.Fatalf("open with an empty value log: %v", err)
	}
	defer d.Close()
	if v, err := d.Get(ctx, ds.NewKey("/kept")); err != nil || len(v) != 4096 {
		t.Fatalf("Get after reopen: %d bytes, %v", len(v), err)
	}
}

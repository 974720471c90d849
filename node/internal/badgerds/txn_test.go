package badgerds

import (
	"context"
	"errors"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"
)

func TestTxn(t *testing.T) {
	ctx := context.Background()
	v1, v2 := []byte("one"), []byte("two")
	tests := []struct {
		name string
		run  func(t *testing.T, d *Datastore)
	}{
		{"commit makes writes visible", func(t *testing.T, d *Datastore) {
			mustPut(t, d, "/gone", v1)
			txn, _ := d.NewTransaction(ctx, false)
			mustPut(t, txn, "/a", v1)
			if err := txn.Delete(ctx, ds.NewKey("/gone")); err != nil {
				t.Fatal(err)
			}
			wantMissing(t, d, "/a") // not before Commit
			wantValue(t, d, "/gone", v1)
			if err := txn.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			wantValue(t, d, "/a", v1)
			wantMissing(t, d, "/gone")
		}},
		{"reads see own writes", func(t *testing.T, d *Datastore) {
			mustPut(t, d, "/x/old", v1)
			mustPut(t, d, "/x/deleted", v1)
			txn, _ := d.NewTransaction(ctx, false)
			defer txn.Discard(ctx)
			mustPut(t, txn, "/x/new", v2)
			mustPut(t, txn, "/x/old", v2)
			if err := txn.Delete(ctx, ds.NewKey("/x/deleted")); err != nil {
				t.Fatal(err)
			}
			wantValue(t, txn, "/x/new", v2)
			wantValue(t, txn, "/x/old", v2)
			wantMissing(t, txn, "/x/deleted")
			if size, err := txn.GetSize(ctx, ds.NewKey("/x/new")); size != len(v2) || err != nil {
				t.Errorf("GetSize = %d, %v", size, err)
			}
			wantKeys(t, txn, query.Query{Prefix: "/x"}, "/x/new", "/x/old")
			wantValue(t, d, "/x/old", v1) // outside, nothing changed yet
		}},
		{"query ordered by value", func(t *testing.T, d *Datastore) {
			mustPut(t, d, "/o/1", []byte("b"))
			txn, _ := d.NewTransaction(ctx, false)
			defer txn.Discard(ctx)
			mustPut(t, txn, "/o/2", []byte("a"))
			// Not pushed down: the results are sorted in memory, reading
			// through the transaction while Query runs.
			wantKeys(t, txn, query.Query{Orders: []query.Order{query.OrderByValue{}}}, "/o/2", "/o/1")
		}},
		{"discard drops writes", func(t *testing.T, d *Datastore) {
			txn, _ := d.NewTransaction(ctx, false)
			mustPut(t, txn, "/a", v1)
			txn.Discard(ctx)
			txn.Discard(ctx) // idempotent
			wantMissing(t, d, "/a")
			if err := txn.Commit(ctx); !errors.Is(err, badger.ErrDiscardedTxn) {
				t.Errorf("Commit after Discard = %v, want ErrDiscardedTxn", err)
			}
			if err := txn.Put(ctx, ds.NewKey("/a"), v1); !errors.Is(err, badger.ErrDiscardedTxn) {
				t.Errorf("Put after Discard = %v, want ErrDiscardedTxn", err)
			}
		}},
		{"discard after commit keeps writes", func(t *testing.T, d *Datastore) {
			txn, _ := d.NewTransaction(ctx, false)
			mustPut(t, txn, "/a", v1)
			if err := txn.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			txn.Discard(ctx)
			wantValue(t, d, "/a", v1)
			if err := txn.Commit(ctx); !errors.Is(err, badger.ErrDiscardedTxn) {
				t.Errorf("second Commit = %v, want ErrDiscardedTxn", err)
			}
		}},
		{"read-only rejects writes", func(t *testing.T, d *Datastore) {
			mustPut(t, d, "/a", v1)
			txn, _ := d.NewTransaction(ctx, true)
			defer txn.Discard(ctx)
			wantValue(t, txn, "/a", v1)
			if err := txn.Put(ctx, ds.NewKey("/b"), v2); !errors.Is(err, badger.ErrReadOnlyTxn) {
				t.Errorf("Put = %v, want ErrReadOnlyTxn", err)
			}
			if err := txn.Delete(ctx, ds.NewKey("/a")); !errors.Is(err, badger.ErrReadOnlyTxn) {
				t.Errorf("Delete = %v, want ErrReadOnlyTxn", err)
			}
			if err := txn.Commit(ctx); err != nil {
				t.Errorf("Commit of a read-only txn = %v", err)
			}
			wantValue(t, d, "/a", v1)
			wantMissing(t, d, "/b")
		}},
		{"snapshot isolation", func(t *testing.T, d *Datastore) {
			mustPut(t, d, "/a", v1)
			txn, _ := d.NewTransaction(ctx, true)
			defer txn.Discard(ctx)
			mustPut(t, d, "/a", v2)
			mustPut(t, d, "/b", v2)
			wantValue(t, txn, "/a", v1)
			wantMissing(t, txn, "/b")
		}},
		{"conflict", func(t *testing.T, d *Datastore) {
			mustPut(t, d, "/n", v1)
			t1, _ := d.NewTransaction(ctx, false)
			t2, _ := d.NewTransaction(ctx, false)
			wantValue(t, t1, "/n", v1) // t1 reads /n ...
			mustPut(t, t2, "/n", v2)   // ... t2 changes it first
			if err := t2.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			mustPut(t, t1, "/n", []byte("three"))
			err := t1.Commit(ctx)
			if !errors.Is(err, badger.ErrConflict) {
				t.Errorf("Commit = %v, want an error wrapping badger.ErrConflict", err)
			}
			wantValue(t, d, "/n", v2)
		}},
		{"get returns a copy", func(t *testing.T, d *Datastore) {
			mustPut(t, d, "/a", v1)
			txn, _ := d.NewTransaction(ctx, false)
			got, err := txn.Get(ctx, ds.NewKey("/a"))
			if err != nil {
				t.Fatal(err)
			}
			mustPut(t, txn, "/a", v2)
			if err := txn.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if string(got) != "one" {
				t.Errorf("value read in the txn changed to %q after Commit", got)
			}
		}},
		{"commit ends open queries", func(t *testing.T, d *Datastore) {
			mustPut(t, d, "/q/1", v1)
			mustPut(t, d, "/q/2", v1)
			txn, _ := d.NewTransaction(ctx, false)
			res, err := txn.Query(ctx, query.Query{Prefix: "/q"})
			if err != nil {
				t.Fatal(err)
			}
			if r, ok := res.NextSync(); !ok || r.Error != nil {
				t.Fatalf("first result: %+v, %v", r, ok)
			}
			// Badger panics if a transaction ends with an iterator open.
			if err := txn.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if r, ok := res.NextSync(); !ok || !errors.Is(r.Error, badger.ErrDiscardedTxn) {
				t.Errorf("result after Commit: %+v, %v; want an ErrDiscardedTxn error", r, ok)
			}
			if err := res.Close(); err != nil {
				t.Error(err)
			}
		}},
		{"too big for MaxTxnBytes", func(t *testing.T, d *Datastore) {
			txn, _ := d.NewTransaction(ctx, false)
			defer txn.Discard(ctx)
			value := make([]byte, 100*kib)
			var err error
			n := 0
			for ; n < 1000 && err == nil; n++ {
				err = txn.Put(ctx, ds.NewKey("/big/"+itoa(n)), value)
			}
			if !errors.Is(err, ErrTxnTooBig) {
				t.Fatalf("Put #%d = %v, want ErrTxnTooBig", n, err)
			}
			// In memory badger counts whole values against its own smaller
			// limit, which then comes first.
			if !d.opts.InMemory {
				if errors.Is(err, badger.ErrTxnTooBig) {
					t.Errorf("%v: this limit is ours, not badger's", err)
				}
				if got, want := int64(n-1)*int64(len(value)), d.opts.MaxTxnBytes; got > want || got < want-2*int64(len(value)) {
					t.Errorf("the txn took %d bytes, want just under %d", got, want)
				}
			}
			// The txn stays usable: what it took can still be committed.
			if err := txn.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if size, err := d.GetSize(ctx, ds.NewKey("/big/"+itoa(n-2))); size != len(value) || err != nil {
				t.Errorf("last accepted write: size %d, %v", size, err)
			}
			wantMissing(t, d, "/big/"+itoa(n-1))
		}},
	}
	for _, k := range kinds {
		for _, tt := range tests {
			t.Run(k.name+"/"+tt.name, func(t *testing.T) {
				tt.run(t, openWith(t, k.options(t)))
			})
		}
	}
}

// TestTxnTooBigForBadger fills a transaction past badger's own limit (15% of
// the memtable, counting keys and small values) and checks the error wraps
// both sentinels.
func TestTxnTooBigForBadger(t *testing.T) {
	ctx := context.Background()
	o := DefaultOptions(t.TempDir())
	o.MemTableSize = 1 * mib
	o.MaxTxnBytes = 1 * gib
	d := openWith(t, o)
	txn, _ := d.NewTransaction(ctx, false)
	defer txn.Discard(ctx)
	var err error
	n := 0
	for ; n < 100000 && err == nil; n++ {
		err = txn.Put(ctx, ds.NewKey("/small/"+itoa(n)), []byte("v"))
	}
	if !errors.Is(err, ErrTxnTooBig) || !errors.Is(err, badger.ErrTxnTooBig) {
		t.Fatalf("Put #%d = %v, want an error wrapping ErrTxnTooBig and badger.ErrTxnTooBig", n, err)
	}
	if err := txn.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	wantValue(t, d, "/small/0", []byte("v"))
}

// wantKeys fails the test unless q on r returns exactly keys, in order.
func wantKeys(t testing.TB, r ds.Read, q query.Query, keys ...string) {
	t.Helper()
	res, err := r.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := res.Rest()
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(entries))
	for i, e := range entries {
		got[i] = e.Key
	}
	if len(got) != len(keys) {
		t.Fatalf("%s: got keys %q, want %q", q, got, keys)
	}
	for i := range keys {
		if got[i] != keys[i] {
			t.Fatalf("%s: got keys %q, want %q", q, got, keys)
		}
	}
}

package badgerds

import (
	"context"
	"errors"
	"testing"

	ds "github.com/ipfs/go-datastore"
)

func TestBatch(t *testing.T) {
	ctx := context.Background()
	v1, v2 := []byte("one"), []byte("two")
	tests := []struct {
		name string
		run  func(t *testing.T, d *Datastore)
	}{
		{"larger than BatchFlushBytes", func(t *testing.T, d *Datastore) {
			b, _ := d.Batch(ctx)
			const n = 40 // 40 x 10 KiB, flushed every 64 KiB
			for i := range n {
				mustPut(t, b, "/b/"+itoa(i), randBytes(uint64(i), 10*kib))
			}
			if err := b.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				wantValue(t, d, "/b/"+itoa(i), randBytes(uint64(i), 10*kib))
			}
		}},
		{"invisible until commit under BatchFlushBytes", func(t *testing.T, d *Datastore) {
			b, _ := d.Batch(ctx)
			mustPut(t, b, "/a", make([]byte, 60*kib))
			wantMissing(t, d, "/a")
			if err := b.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			wantValue(t, d, "/a", make([]byte, 60*kib))
		}},
		{"operations apply in order", func(t *testing.T, d *Datastore) {
			mustPut(t, d, "/deleted", v1)
			b, _ := d.Batch(ctx)
			mustPut(t, b, "/put-delete-put", v1)
			if err := b.Delete(ctx, ds.NewKey("/put-delete-put")); err != nil {
				t.Fatal(err)
			}
			mustPut(t, b, "/put-delete-put", v2)
			mustPut(t, b, "/deleted", v2)
			mustPut(t, b, "/filler", make([]byte, 64*kib)) // flush in between
			if err := b.Delete(ctx, ds.NewKey("/deleted")); err != nil {
				t.Fatal(err)
			}
			if err := b.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			wantValue(t, d, "/put-delete-put", v2)
			wantMissing(t, d, "/deleted")
		}},
		{"reusable after commit", func(t *testing.T, d *Datastore) {
			b, _ := d.Batch(ctx)
			mustPut(t, b, "/first", v1)
			if err := b.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			mustPut(t, b, "/second", v2)
			if err := b.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if err := b.Commit(ctx); err != nil { // empty
				t.Fatal(err)
			}
			wantValue(t, d, "/first", v1)
			wantValue(t, d, "/second", v2)
		}},
		{"uncommitted writes are dropped at close", func(t *testing.T, d *Datastore) {
			b, _ := d.Batch(ctx)
			mustPut(t, b, "/never", v1)
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			if err := b.Commit(ctx); !errors.Is(err, ErrClosed) {
				t.Errorf("Commit after Close = %v, want ErrClosed", err)
			}
		}},
	}
	for _, k := range kinds {
		for _, tt := range tests {
			t.Run(k.name+"/"+tt.name, func(t *testing.T) {
				o := k.options(t)
				o.BatchFlushBytes = 64 * kib
				tt.run(t, openWith(t, o))
			})
		}
	}
}

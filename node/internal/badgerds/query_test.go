package badgerds

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/ipfs/go-datastore/query"
)

// TestQueryPushdown checks the parts of Query that badger serves directly:
// prefix bounds (also at the edge of a reverse scan), key order, offset and
// limit applied while streaming, with and without filters.
func TestQueryPushdown(t *testing.T) {
	keys := []string{"/a", "/a/1", "/a/2", "/a/2/x", "/a/3", "/a0", "/ab", "/b/1"}
	values := map[string][]byte{}
	for i, k := range keys {
		values[k] = []byte{byte('a' + len(keys) - i)} // value order is reverse key order
	}
	notX := query.FilterKeyCompare{Op: query.NotEqual, Key: "/a/2/x"}
	byValue := []query.Order{query.OrderByValue{}}
	tests := []struct {
		name string
		q    query.Query
		want []string
	}{
		// "/a0" sorts right after every key under "/a/": a reverse scan of
		// "/a" starts there and must skip it.
		{"all", query.Query{}, keys},
		{"prefix is strict children", query.Query{Prefix: "/a"}, []string{"/a/1", "/a/2", "/a/2/x", "/a/3"}},
		{"prefix uncleaned", query.Query{Prefix: "a/./"}, []string{"/a/1", "/a/2", "/a/2/x", "/a/3"}},
		{"prefix slash is all", query.Query{Prefix: "/"}, keys},
		{"prefix nothing", query.Query{Prefix: "/c"}, nil},
		{"descending", query.Query{Orders: []query.Order{query.OrderByKeyDescending{}}},
			[]string{"/b/1", "/ab", "/a0", "/a/3", "/a/2/x", "/a/2", "/a/1", "/a"}},
		{"descending prefix", query.Query{Prefix: "/a", Orders: []query.Order{&query.OrderByKeyDescending{}}},
			[]string{"/a/3", "/a/2/x", "/a/2", "/a/1"}},
		{"descending prefix at the end", query.Query{Prefix: "/b", Orders: []query.Order{query.OrderByKeyDescending{}}},
			[]string{"/b/1"}},
		{"offset limit", query.Query{Prefix: "/a", Offset: 1, Limit: 2}, []string{"/a/2", "/a/2/x"}},
		{"offset past end", query.Query{Prefix: "/a", Offset: 10}, nil},
		{"filter offset limit", query.Query{Prefix: "/a", Filters: []query.Filter{notX}, Offset: 1, Limit: 2},
			[]string{"/a/2", "/a/3"}},
		{"descending offset limit", query.Query{Orders: []query.Order{query.OrderByKeyDescending{}}, Offset: 2, Limit: 2},
			[]string{"/a0", "/a/3"}},
		{"key order then others", query.Query{Orders: []query.Order{query.OrderByKey{}, query.OrderByValue{}}, Limit: 2},
			[]string{"/a", "/a/1"}},
		{"value order is not pushed", query.Query{Prefix: "/a", Orders: byValue, Offset: 1, Limit: 2},
			[]string{"/a/2/x", "/a/2"}},
		{"value order with filter", query.Query{Prefix: "/a", Orders: byValue, Filters: []query.Filter{notX}},
			[]string{"/a/3", "/a/2", "/a/1"}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			d := openWith(t, k.options(t))
			for _, key := range keys {
				mustPut(t, d, key, values[key])
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					wantKeys(t, d, tt.q, tt.want...)
					if len(tt.q.Orders) == 0 || tt.q.Orders[0] != (query.OrderByValue{}) {
						q := tt.q // without values, an order by value means nothing
						q.KeysOnly = true
						wantKeys(t, d, q, tt.want...)
					}
				})
			}
		})
	}
}

// TestQueryEntries checks what an entry carries: values (a copy) unless
// KeysOnly, and exact sizes unless KeysOnly without ReturnsSizes.
func TestQueryEntries(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			ctx := context.Background()
			d := openWith(t, k.options(t))
			want := map[string][]byte{"/v/small": []byte("abc"), "/v/big": randBytes(1, bigValue(d))}
			for key, v := range want {
				mustPut(t, d, key, v)
			}
			tests := []struct {
				q          query.Query
				withValues bool
				withSizes  bool
			}{
				{query.Query{Prefix: "/v"}, true, true},
				{query.Query{Prefix: "/v", ReturnsSizes: true}, true, true},
				{query.Query{Prefix: "/v", KeysOnly: true}, false, false},
				{query.Query{Prefix: "/v", KeysOnly: true, ReturnsSizes: true}, false, true},
			}
			for _, tt := range tests {
				res, err := d.Query(ctx, tt.q)
				if err != nil {
					t.Fatal(err)
				}
				entries, err := res.Rest()
				if err != nil || len(entries) != 2 {
					t.Fatalf("%s: %d entries, %v", tt.q, len(entries), err)
				}
				for _, e := range entries {
					v := want[e.Key]
					switch {
					case tt.withValues && !bytes.Equal(e.Value, v):
						t.Errorf("%s: %s: wrong value", tt.q, e.Key)
					case !tt.withValues && e.Value != nil:
						t.Errorf("%s: %s: got a value", tt.q, e.Key)
					case tt.withSizes && e.Size != len(v):
						t.Errorf("%s: %s: size %d, want %d", tt.q, e.Key, e.Size, len(v))
					case !tt.withSizes && e.Size != -1:
						t.Errorf("%s: %s: size %d, want -1", tt.q, e.Key, e.Size)
					}
					if tt.withValues {
						clear(e.Value) // a copy: must not reach badger
					}
				}
				wantValue(t, d, "/v/big", want["/v/big"])
			}
		})
	}
}

// TestQueryStreams checks that results come from the iterator one at a time
// (reading the first of 32 big values allocates far less than all of them)
// and that the iterator is released however the results end.
func TestQueryStreams(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			ctx := context.Background()
			d := openWith(t, k.options(t))
			size := bigValue(d)
			b, _ := d.Batch(ctx)
			for i := range 32 {
				mustPut(t, b, "/s/"+itoa(100+i), randBytes(uint64(i), size))
			}
			if err := b.Commit(ctx); err != nil {
				t.Fatal(err)
			}

			var res query.Results
			perQuery := allocatedPerCall(3, func() {
				var err error
				if res, err = d.Query(ctx, query.Query{Prefix: "/s"}); err != nil {
					t.Fatal(err)
				}
				if r, ok := res.NextSync(); !ok || r.Error != nil || len(r.Value) != size {
					t.Fatalf("first result: %v, %v", r.Error, ok)
				}
				if err := res.Close(); err != nil {
					t.Fatal(err)
				}
			})
			// Measured: one value on disk (the one returned); four in memory,
			// where badger's iterator also copies the inline values it reads
			// ahead. Collecting all results would copy all 32.
			if perQuery > uint64(16*size) {
				t.Errorf("a query read to its first result allocated %d MiB; results are not streamed", perQuery/mib)
			}
			if n := openCount(d); n != 0 {
				t.Errorf("%d iterators open after Close of the results", n)
			}

			ends := map[string]func(query.Results) error{
				"Rest": func(r query.Results) error { _, err := r.Rest(); return err },
				"Next channel": func(r query.Results) error {
					for range r.Next() {
					}
					return nil
				},
				"Close after Next": func(r query.Results) error {
					<-r.Next()
					return r.Close()
				},
				"Close twice": func(r query.Results) error {
					_ = r.Close()
					return r.Close()
				},
			}
			for name, end := range ends {
				res, err := d.Query(ctx, query.Query{Prefix: "/s", KeysOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				if err := end(res); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				<-res.Done()
				if n := openCount(d); n != 0 {
					t.Errorf("%s: %d iterators still open", name, n)
				}
			}
		})
	}
}

func TestQueryContextCanceled(t *testing.T) {
	d := openMem(t)
	for i := range 3 {
		mustPut(t, d, "/c/"+itoa(i), []byte("v"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	res, err := d.Query(ctx, query.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := res.NextSync(); !ok || r.Error != nil {
		t.Fatalf("first result: %+v, %v", r, ok)
	}
	cancel()
	if r, ok := res.NextSync(); !ok || !errors.Is(r.Error, context.Canceled) {
		t.Errorf("after cancel: %+v, %v; want a context.Canceled error", r, ok)
	}
	if _, ok := res.NextSync(); ok {
		t.Error("results went on after the error")
	}
	if n := openCount(d); n != 0 {
		t.Errorf("%d iterators still open", n)
	}
}

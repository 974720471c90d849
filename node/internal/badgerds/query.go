package badgerds

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"sync"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/ipfs/go-datastore/query"
)

// Query streams the entries matching q from a snapshot of the database taken
// now. Results are produced one at a time from a badger iterator, never
// collected, except when q orders by something other than the key (then
// query.NaiveOrder has to sort everything that passes the filters).
//
// Pushed down to badger: the prefix (only keys under it are visited), key
// order (ascending, or descending by iterating in reverse) and KeysOnly
// (values are then not read at all; with ReturnsSizes only their size is).
// Filters, offset and limit are applied while streaming. Without KeysOnly each
// value is copied out of badger as its entry is produced, so memory stays at
// about one value whatever the result size.
//
// Close the results when done: they hold a badger iterator and transaction.
// Results end with ctx's error once ctx is done, and with an error wrapping
// ErrClosed if the datastore closes first.
func (d *Datastore) Query(ctx context.Context, q query.Query) (query.Results, error) {
	it, err := d.newQuery(ctx, q)
	if err != nil {
		return nil, err
	}
	// Outside the shared lock: an order that is not pushed down reads all
	// results right away, and reading takes the lock again, which would
	// deadlock against a waiting Close.
	return it.results(), nil
}

// newQuery opens an iterator for q in its own read-only transaction and
// registers it to be aborted by Close.
func (d *Datastore) newQuery(ctx context.Context, q query.Query) (*queryIter, error) {
	end, err := d.begin()
	if err != nil {
		return nil, err
	}
	defer end()
	txn := d.db.NewTransaction(false)
	it := newQueryIter(ctx, d, nil, txn, q)
	id := d.open.add(func() {
		it.mu.Lock()
		defer it.mu.Unlock()
		it.abortLocked(fmt.Errorf("badgerds: query: %w", ErrClosed))
	})
	it.release = func() {
		txn.Discard()
		d.open.remove(id)
	}
	return it, nil
}

// queryIter produces the results of one query from a badger iterator.
type queryIter struct {
	ctx context.Context
	d   *Datastore
	q   query.Query

	// mu guards everything below. It is the owning Txn's lock for a query
	// in a transaction, else ownMu.
	mu    *sync.Mutex
	ownMu sync.Mutex

	it      *badger.Iterator
	prefix  []byte
	reverse bool
	pushed  bool // order pushed down: offset and limit are applied here
	skip    int  // offset left to skip
	left    int  // results left before the limit; < 0 for no limit
	started bool
	done    bool
	err     error  // why the query was aborted; reported once by next
	release func() // frees what the iterator was opened on; mu held
}

// newQueryIter opens a badger iterator for q on txn. mu is the lock of the
// transaction that owns txn, or nil when the query owns it. The caller must
// set release before the results are used.
func newQueryIter(ctx context.Context, d *Datastore, mu *sync.Mutex, txn *badger.Txn, q query.Query) *queryIter {
	it := &queryIter{ctx: ctx, d: d, q: q, mu: mu, left: -1}
	if it.mu == nil {
		it.mu = &it.ownMu
	}
	it.prefix = queryPrefix(q.Prefix)
	it.reverse, it.pushed = pushOrder(q.Orders)
	if it.pushed {
		it.skip = q.Offset
		if q.Limit > 0 {
			it.left = q.Limit
		}
	}
	opts := badger.IteratorOptions{
		// Values are copied one by one in next, never prefetched: prefetching
		// copies every value twice and keeps PrefetchSize of them in memory.
		PrefetchValues: false,
		Reverse:        it.reverse,
	}
	if !it.reverse {
		// Lets badger skip tables without the prefix. Not in reverse: there
		// badger expects the scan to start from the prefix followed by 0xff
		// bytes, which misses keys with more 0xff bytes; advanceLocked seeks
		// past the prefix instead, and next checks the prefix itself.
		opts.Prefix = it.prefix
	}
	it.it = txn.NewIterator(opts)
	return it
}

// results wraps the iterator as go-datastore results, adding the operations
// that could not be pushed down.
func (it *queryIter) results() query.Results {
	res := query.ResultsFromIterator(it.q, query.Iterator{Next: it.next, Close: it.close})
	if it.pushed {
		return res
	}
	res = query.NaiveOrder(res, it.q.Orders...)
	if it.q.Offset > 0 {
		res = query.NaiveOffset(res, it.q.Offset)
	}
	if it.q.Limit > 0 {
		res = query.NaiveLimit(res, it.q.Limit)
	}
	return res
}

// next returns the next result, or false when there are no more.
func (it *queryIter) next() (query.Result, bool) {
	end, err := it.d.begin()
	if err != nil {
		// Close aborted this query and set it.err.
		it.mu.Lock()
		defer it.mu.Unlock()
		return it.reportLocked()
	}
	defer end()
	it.mu.Lock()
	defer it.mu.Unlock()
	for !it.done {
		if err := it.ctx.Err(); err != nil {
			it.abortLocked(fmt.Errorf("badgerds: query: %w", err))
			break
		}
		if it.left == 0 {
			it.closeLocked()
			break
		}
		it.advanceLocked()
		if !it.it.ValidForPrefix(it.prefix) {
			it.closeLocked()
			break
		}
		item := it.it.Item()
		if it.skip > 0 && len(it.q.Filters) == 0 {
			it.skip-- // nothing to filter on: skip without reading the value
			continue
		}
		e, err := it.entry(item)
		if err != nil {
			it.abortLocked(err)
			break
		}
		if !matches(it.q.Filters, e) {
			continue
		}
		if it.skip > 0 {
			it.skip--
			continue
		}
		if it.left > 0 {
			it.left--
		}
		return query.Result{Entry: e}, true
	}
	return it.reportLocked()
}

// advanceLocked moves to the next candidate key, seeking on the first call.
func (it *queryIter) advanceLocked() {
	if it.started {
		it.it.Next()
		return
	}
	it.started = true
	if !it.reverse || it.prefix == nil {
		it.it.Rewind() // forward: seeks to the prefix; reverse: to the last key
		return
	}
	// Reverse seeks land on the last key <= target. The smallest key greater
	// than every key under the prefix is the prefix with its last byte
	// incremented (the prefix ends in '/', so this cannot overflow); skip it
	// if it happens to exist.
	target := bytes.Clone(it.prefix)
	target[len(target)-1]++
	it.it.Seek(target)
	if it.it.Valid() && bytes.Equal(it.it.Item().Key(), target) {
		it.it.Next()
	}
}

// entry builds the result entry for item, reading only what q asks for.
func (it *queryIter) entry(item *badger.Item) (query.Entry, error) {
	e := query.Entry{Key: string(item.Key()), Size: -1}
	switch {
	case !it.q.KeysOnly:
		value, err := item.ValueCopy(nil)
		if err != nil {
			return e, wrapErr("query", err)
		}
		e.Value, e.Size = value, len(value)
	case it.q.ReturnsSizes:
		size, err := itemSize(item)
		if err != nil {
			return e, err
		}
		e.Size = size
	}
	it.d.moved(len(e.Value))
	return e, nil
}

// close is the results' Close; it may be called more than once.
func (it *queryIter) close() error {
	it.mu.Lock()
	defer it.mu.Unlock()
	it.closeLocked()
	return nil
}

// closeLocked closes the badger iterator and releases what it was opened on.
func (it *queryIter) closeLocked() {
	if it.done {
		return
	}
	it.done = true
	it.it.Close()
	it.release()
}

// abortLocked ends the query early; next reports cause once.
func (it *queryIter) abortLocked(cause error) {
	if it.done {
		return
	}
	it.closeLocked()
	it.err = cause
}

// reportLocked returns the abort cause once, then the end of the results.
func (it *queryIter) reportLocked() (query.Result, bool) {
	if it.err != nil {
		err := it.err
		it.err = nil
		return query.Result{Error: err}, true
	}
	return query.Result{}, false
}

// queryPrefix turns a query prefix into the badger key prefix selecting its
// strict children, cleaned the way query.NaiveQueryApply does: "/a" and
// "/a/" both select "/a/b" but neither "/a" nor "/ab"; "" and "/" select all.
func queryPrefix(prefix string) []byte {
	if prefix == "" {
		return nil
	}
	if prefix[0] != '/' {
		prefix = "/" + prefix
	}
	prefix = path.Clean(prefix)
	if prefix == "/" {
		return nil
	}
	return []byte(prefix + "/")
}

// pushOrder reports whether badger's key order can serve orders, and in which
// direction. Keys are unique, so orders after a key order never matter.
func pushOrder(orders []query.Order) (reverse, ok bool) {
	if len(orders) == 0 {
		return false, true
	}
	switch orders[0].(type) {
	case query.OrderByKey, *query.OrderByKey:
		return false, true
	case query.OrderByKeyDescending, *query.OrderByKeyDescending:
		return true, true
	}
	return false, false
}

// matches reports whether e passes every filter.
func matches(filters []query.Filter, e query.Entry) bool {
	for _, f := range filters {
		if !f.Filter(e) {
			return false
		}
	}
	return true
}

package badgerds

import (
	badger "github.com/dgraph-io/badger/v4"
	ds "github.com/ipfs/go-datastore"
)

// The reads below are shared by Datastore (in a throw-away read-only badger
// transaction) and Txn (in the caller's transaction).

// getValue returns a copy of the value under key: badger's own buffer is only
// valid until the transaction ends.
func getValue(txn *badger.Txn, key ds.Key) ([]byte, error) {
	item, err := txn.Get(key.Bytes())
	if err != nil {
		return nil, wrapErr("get", err)
	}
	value, err := item.ValueCopy(nil)
	return value, wrapErr("get", err)
}

// hasKey looks the key up without reading its value.
func hasKey(txn *badger.Txn, key ds.Key) (bool, error) {
	_, err := txn.Get(key.Bytes())
	switch {
	case err == nil:
		return true, nil
	case err == badger.ErrKeyNotFound:
		return false, nil
	default:
		return false, wrapErr("has", err)
	}
}

// valueSize returns the exact size of the value under key.
func valueSize(txn *badger.Txn, key ds.Key) (int, error) {
	item, err := txn.Get(key.Bytes())
	if err != nil {
		return -1, wrapErr("get size", err)
	}
	return itemSize(item)
}

// itemSize returns the exact size of item's value without copying it.
//
// badger's Item.ValueSize is not usable: for values in the value log it
// guesses the length of a varint header (and is off by one for 1 MiB
// values), and for a transaction's own pending writes it returns 0.
// Item.Value hands the callback a slice of the mmapped value log (no copy;
// only the page holding the entry header is touched); it copies only values
// stored inline, which on disk are smaller than ValueThreshold. (In memory
// every value is inline and badger's Txn.Get has already copied it: there,
// every lookup copies the value.)
func itemSize(item *badger.Item) (int, error) {
	size := -1
	err := item.Value(func(value []byte) error {
		size = len(value)
		return nil
	})
	if err != nil {
		return -1, wrapErr("get size", err)
	}
	return size, nil
}

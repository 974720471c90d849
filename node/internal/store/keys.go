package store

import (
	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
)

// The key layout (docs/repo.md). Blocks use boxo's layout, /blocks/<base32 multihash>,
// so the same datastore could be read by other IPFS tools.
var (
	pinsPrefix    = ds.NewKey("/cairn/pins")      // /cairn/pins/<cid> -> pin record (JSON)
	namesPrefix   = ds.NewKey("/cairn/names")     // /cairn/names/<ns>/<name>/<version> -> package CID bytes
	refsPrefix    = ds.NewKey("/cairn/refs")      // /cairn/refs/<subject cid>/<referrer cid> -> node kind
	journalPrefix = ds.NewKey("/cairn/journal")   // /cairn/journal/<txn id>/<cid> -> empty
	donePrefix    = ds.NewKey("/cairn/committed") // /cairn/committed/<txn id> -> empty: keep the txn's blocks
	packedPrefix  = ds.NewKey("/cairn/packed")    // /cairn/packed/<base32 multihash> -> packLoc: a block in a pack file
	packsPrefix   = ds.NewKey("/cairn/packs")     // /cairn/packs/<txn id> -> empty: packs/<txn id>.pack is committed
)

func pinKey(c cid.Cid) ds.Key { return pinsPrefix.ChildString(c.String()) }

func versionKey(name, version string) ds.Key {
	return namesPrefix.Child(ds.NewKey(name)).ChildString(version)
}

func refKey(subject, ref cid.Cid) ds.Key {
	return refsPrefix.ChildString(subject.String()).ChildString(ref.String())
}

func doneKey(txn string) ds.Key { return donePrefix.ChildString(txn) }

func packRecordKey(txn string) ds.Key { return packsPrefix.ChildString(txn) }

func journalKey(txn string, c cid.Cid) ds.Key {
	return journalPrefix.ChildString(txn).ChildString(c.String())
}

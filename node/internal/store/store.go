package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/ipfs/boxo/blockservice"
	bstore "github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/badgerds"
)

// Options configures a Store: the badger options of its database.
type Options = badgerds.Options

// DefaultOptions returns the bounded-memory defaults for a store in dir.
func DefaultOptions(dir string) Options { return badgerds.DefaultOptions(dir) }

// Store holds blocks, pins and indexes. It is safe for concurrent use; Txns run
// one at a time (Begin waits for the previous one to finish).
type Store struct {
	ds *badgerds.Datastore
	bs *blockStore

	// writer serializes Txns, so that whether a block is new to the store (and so
	// must be deleted on Abort) is decided by one Txn at a time.
	writer chan struct{}
	// memTableSize sizes the free-space reserve (space.go).
	memTableSize int64

	closeOnce sync.Once
	closeErr  error
}

// Open opens (or creates) the store and rolls back any Txn a crash interrupted.
func Open(ctx context.Context, o Options) (*Store, error) {
	d, err := badgerds.New(o)
	if err != nil {
		return nil, err
	}
	dir := o.Dir
	if o.InMemory {
		dir = "" // nothing is packed
	} else if err := makePacksDir(dir); err != nil {
		d.Close()
		return nil, err
	}
	s := &Store{ds: d, bs: newBlockStore(d, dir), writer: make(chan struct{}, 1), memTableSize: o.MemTableSize}
	if err := s.checkFormat(ctx); err != nil {
		d.Close()
		return nil, err
	}
	if err := s.recover(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("roll back interrupted writes: %w", err)
	}
	return s, nil
}

// Close closes the database. It is idempotent. A Txn still running is left
// uncommitted, as by a crash: the next Open rolls it back.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if w := s.bs.active.Load(); w != nil {
			w.close()
		}
		s.closeErr = s.ds.Close()
	})
	return s.closeErr
}

// Blockstore returns a read-only view of the blocks that checks every block it
// returns against its CID. Writes go through a Txn.
func (s *Store) Blockstore() bstore.Blockstore { return verifying{s.bs} }

// UncheckedBlockstore returns a read-only view of the blocks that returns them
// as stored, without hashing them: only for a reader whose consumer checks
// every block against the CID it expects anyway, so that the check would be
// made twice. The servers of bitswap and of the DAG stream are such readers:
// the asker hashes each block it receives (docs/protocols.md §5; bitswap
// derives the CID from the bytes), and a block that a damaged disk changed
// fails the asker's transfer instead of the server's read. Its ReadBlock reads
// into a buffer the caller reuses.
func (s *Store) UncheckedBlockstore() bstore.Blockstore { return unchecked{verifying{s.bs}} }

// Block returns the bytes stored under c, checked against c. A missing block is
// an error wrapping ErrNotFound; bytes that do not match wrap dag.ErrHashMismatch.
func (s *Store) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	b, err := s.Blockstore().Get(ctx, c)
	if ipld.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s is not in the repo", ErrNotFound, c)
	}
	if err != nil {
		return nil, err
	}
	return b.RawData(), nil
}

// Package reads and decodes the package c, checked against c. A CID that
// names something else is an error wrapping ErrNotPackage.
func (s *Store) Package(ctx context.Context, c cid.Cid) (*dag.Package, error) {
	if c.Prefix().Codec != cid.DagCBOR {
		if ok, err := s.Has(ctx, c); err == nil && !ok {
			return nil, fmt.Errorf("%w: %s is not in the repo", ErrNotFound, c)
		}
		return nil, fmt.Errorf("%w: %s is content, not a package", ErrNotPackage, c)
	}
	data, err := s.Block(ctx, c)
	if err != nil {
		return nil, err
	}
	p, err := dag.DecodePackage(data)
	if errors.Is(err, dag.ErrWrongKind) {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotPackage, c, err)
	}
	return p, err
}

// RawBlock returns the bytes stored under c without checking them, for a verifier
// that reports a mismatch as a verdict rather than an error.
func (s *Store) RawBlock(ctx context.Context, c cid.Cid) ([]byte, error) {
	b, err := s.bs.Get(ctx, c)
	if ipld.IsNotFound(err) {
		return nil, fmt.Errorf("%w: block %s", ErrNotFound, c)
	}
	if err != nil {
		return nil, err
	}
	return b.RawData(), nil
}

// Has reports whether the block c is stored.
func (s *Store) Has(ctx context.Context, c cid.Cid) (bool, error) { return s.bs.Has(ctx, c) }

// Lookup returns the package published locally as name@version.
func (s *Store) Lookup(ctx context.Context, ref dag.Ref) (cid.Cid, error) {
	v, err := s.ds.Get(ctx, versionKey(ref.Name.String(), ref.Version))
	if errors.Is(err, ds.ErrNotFound) {
		return cid.Undef, fmt.Errorf("%w: no package %s in the repo", ErrNotFound, ref)
	}
	if err != nil {
		return cid.Undef, err
	}
	_, c, err := cid.CidFromBytes(v)
	return c, err
}

// Version is one entry of the name index.
type Version struct {
	Name    string
	Version string
	Package cid.Cid
}

// Versions lists the name index under a name, or all of it when name is "".
func (s *Store) Versions(ctx context.Context, name string) ([]Version, error) {
	prefix := namesPrefix
	if name != "" {
		prefix = prefix.Child(ds.NewKey(name))
	}
	res, err := s.ds.Query(ctx, query.Query{Prefix: prefix.String() + "/"})
	if err != nil {
		return nil, err
	}
	defer res.Close()
	var out []Version
	for r := range res.Next() {
		if r.Error != nil {
			return nil, r.Error
		}
		k := ds.RawKey(r.Key)
		_, c, err := cid.CidFromBytes(r.Value)
		if err != nil {
			return nil, fmt.Errorf("index entry %s: %w", k, err)
		}
		ns := k.Parent().Parent().BaseNamespace()
		out = append(out, Version{Name: ns + "/" + k.Parent().BaseNamespace(), Version: k.BaseNamespace(), Package: c})
	}
	return out, nil
}

// Referrers returns the nodes that name c as their subject, in key order.
func (s *Store) Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error) {
	res, err := s.ds.Query(ctx, query.Query{Prefix: refsPrefix.ChildString(c.String()).String() + "/", KeysOnly: true})
	if err != nil {
		return nil, err
	}
	defer res.Close()
	var out []cid.Cid
	for r := range res.Next() {
		if r.Error != nil {
			return nil, r.Error
		}
		rc, err := cid.Decode(ds.RawKey(r.Key).BaseNamespace())
		if err != nil {
			return nil, fmt.Errorf("referrer index %s: %w", r.Key, err)
		}
		out = append(out, rc)
	}
	return out, nil
}

// Sync flushes everything written so far to disk.
func (s *Store) Sync(ctx context.Context) error { return s.ds.Sync(ctx, ds.NewKey("/")) }

// DiskUsage returns the bytes the database uses on disk.
func (s *Store) DiskUsage(ctx context.Context) (uint64, error) { return s.ds.DiskUsage(ctx) }

// verifying is the store's blocks, read-only, with a Get that checks each
// block against its CID.
type verifying struct{ *blockStore }

func (v verifying) Get(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	b, err := v.blockStore.Get(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := dag.CheckBlock(c, b.RawData()); err != nil {
		return nil, err
	}
	return b, nil
}

// unchecked is verifying without the check: read-only, Get as stored.
type unchecked struct{ verifying }

func (u unchecked) Get(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	return u.blockStore.Get(ctx, c)
}

// ReadBlock returns the bytes of block c as stored, read into buf when buf
// is large enough: the result may alias buf, so it is good only until buf is
// used again. A server that sends one block after the other reuses one
// buffer instead of allocating (and zeroing) one per block.
func (u unchecked) ReadBlock(ctx context.Context, c cid.Cid, buf []byte) ([]byte, error) {
	return u.read(ctx, c, buf)
}

func (v verifying) Put(context.Context, blocks.Block) error {
	return errors.New("store: read-only blockstore; write through a Txn")
}

func (v verifying) PutMany(context.Context, []blocks.Block) error {
	return errors.New("store: read-only blockstore; write through a Txn")
}

func (v verifying) DeleteBlock(context.Context, cid.Cid) error {
	return errors.New("store: read-only blockstore")
}

// Pins returns every pin.
func (s *Store) Pins(ctx context.Context) (map[cid.Cid]Pin, error) {
	res, err := s.ds.Query(ctx, query.Query{Prefix: pinsPrefix.String() + "/"})
	if err != nil {
		return nil, err
	}
	defer res.Close()
	out := map[cid.Cid]Pin{}
	for r := range res.Next() {
		if r.Error != nil {
			return nil, r.Error
		}
		c, err := cid.Decode(ds.RawKey(r.Key).BaseNamespace())
		if err != nil {
			return nil, fmt.Errorf("pin %s: %w", r.Key, err)
		}
		var p Pin
		if err := json.Unmarshal(r.Value, &p); err != nil {
			return nil, fmt.Errorf("pin %s: %w", r.Key, err)
		}
		out[c] = p
	}
	return out, nil
}

// IsPinned reports whether c is pinned.
func (s *Store) IsPinned(ctx context.Context, c cid.Cid) (bool, error) {
	return s.ds.Has(ctx, pinKey(c))
}

// DAGService returns a read-only DAG service over the checked Blockstore.
func (s *Store) DAGService() ipld.DAGService {
	return merkledag.NewDAGService(blockservice.New(s.Blockstore(), nil))
}

// Stat counts what the store holds.
type Stat struct {
	Blocks   int    `json:"blocks"`
	Pins     int    `json:"pins"`
	Versions int    `json:"versions"`
	Refs     int    `json:"referrers"`
	Journal  int    `json:"journal"`
	Logs     int    `json:"logEntries"`
	Evidence int    `json:"evidence"`
	Bytes    uint64 `json:"blockBytes"`
}

// Stat walks the store's keys and counts blocks (in badger and packed), pins
// and index entries.
func (s *Store) Stat(ctx context.Context) (Stat, error) {
	var st Stat
	counts := []struct {
		prefix ds.Key
		n      *int
	}{
		{bstore.BlockPrefix, &st.Blocks}, {pinsPrefix, &st.Pins}, {namesPrefix, &st.Versions},
		{refsPrefix, &st.Refs}, {journalPrefix, &st.Journal}, {logsPrefix, &st.Logs}, {evidencePrefix, &st.Evidence},
	}
	for _, c := range counts {
		res, err := s.ds.Query(ctx, query.Query{Prefix: c.prefix.String() + "/", KeysOnly: true, ReturnsSizes: true})
		if err != nil {
			return st, err
		}
		for r := range res.Next() {
			if r.Error != nil {
				res.Close()
				return st, r.Error
			}
			*c.n++
			if c.prefix == bstore.BlockPrefix {
				st.Bytes += uint64(r.Size)
			}
		}
		res.Close()
	}
	err := s.each(ctx, packedPrefix, func(k ds.Key, v []byte) error {
		l, err := parsePackLoc(v)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		st.Blocks++
		st.Bytes += l.length
		return nil
	})
	return st, err
}

// CountBlocks counts the stored blocks from their keys alone, without
// touching their values (Stat also sums their sizes, which reads them).
func (s *Store) CountBlocks(ctx context.Context) (int, error) {
	n := 0
	for _, prefix := range []ds.Key{bstore.BlockPrefix, packedPrefix} {
		res, err := s.ds.Query(ctx, query.Query{Prefix: prefix.String() + "/", KeysOnly: true})
		if err != nil {
			return 0, err
		}
		for r := range res.Next() {
			if r.Error != nil {
				res.Close()
				return 0, r.Error
			}
			n++
		}
		res.Close()
	}
	return n, nil
}

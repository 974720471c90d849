package store

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	bstore "github.com/ipfs/boxo/blockstore"
	dshelp "github.com/ipfs/boxo/datastore/dshelp"
	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"
	mh "github.com/multiformats/go-multihash"
	"golang.org/x/sync/errgroup"

	"github.com/cairnpkg/cairn/dag"
)

// hashJob is one stored block to hash: its multihash and bytes, or why its
// bytes could not be read.
type hashJob struct {
	mh   mh.Multihash
	data []byte
	err  error
}

// blocks re-hashes every stored block, those in badger then the packed
// ones, a pack file at a time in offset order, with c.o.Workers hashers.
// A packed block's index entry is checked against its pack's record and
// file on the way.
func (c *checker) blocks(ctx context.Context) error {
	var total uint64
	if c.o.Progress != nil {
		st, err := c.s.Stat(ctx)
		if err != nil {
			return err
		}
		total = st.Bytes
	}
	jobs := make(chan hashJob, c.o.Workers)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(jobs)
		if err := c.readSmall(gctx, jobs); err != nil {
			return err
		}
		return c.readPacked(gctx, jobs)
	})
	type hashed struct {
		mh  mh.Multihash
		n   uint64
		err error
	}
	results := make(chan hashed, c.o.Workers)
	hashers, hctx := errgroup.WithContext(gctx)
	for range c.o.Workers {
		hashers.Go(func() error {
			for j := range jobs {
				err := j.err
				if err == nil {
					err = dag.CheckBlock(cid.NewCidV1(cid.Raw, j.mh), j.data)
				}
				select {
				case results <- hashed{j.mh, uint64(len(j.data)), err}:
				case <-hctx.Done():
					return hctx.Err()
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(results)
		return hashers.Wait()
	})
	// Results are gathered here, in one goroutine: the report needs no lock.
	for r := range results {
		c.rep.Blocks++
		c.rep.Bytes += r.n
		if r.err != nil {
			c.damaged[string(r.mh)] = c.problem(Problem{Kind: ProblemDamaged, CID: cid.NewCidV1(cid.Raw, r.mh), Detail: r.err.Error()})
		}
		if c.o.Progress != nil && c.rep.Blocks%16 == 0 {
			c.o.Progress(CheckProgress{Blocks: c.rep.Blocks, Bytes: c.rep.Bytes, Total: total})
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if c.o.Progress != nil {
		c.o.Progress(CheckProgress{Blocks: c.rep.Blocks, Bytes: c.rep.Bytes, Total: max(total, c.rep.Bytes)})
	}
	return nil
}

// readSmall sends every block under /blocks/ to jobs.
func (c *checker) readSmall(ctx context.Context, jobs chan<- hashJob) error {
	res, err := c.s.ds.Query(ctx, query.Query{Prefix: bstore.BlockPrefix.String() + "/"})
	if err != nil {
		return err
	}
	defer res.Close()
	for r := range res.Next() {
		if r.Error != nil {
			return r.Error
		}
		k := ds.RawKey(r.Key)
		m, err := dshelp.DsKeyToMultihash(ds.NewKey(k.BaseNamespace()))
		if err != nil {
			c.problem(Problem{Kind: ProblemIndex, Key: k.String(), Detail: fmt.Sprintf("block key that is not a multihash: %v", err)})
			continue
		}
		select {
		case jobs <- hashJob{mh: m, data: r.Value}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// packedBlock is one /cairn/packed entry.
type packedBlock struct {
	mh  mh.Multihash
	key ds.Key
	loc packLoc
}

// readPacked checks every /cairn/packed entry against its pack's record and
// file, and sends the block's bytes (or why they cannot be read) to jobs, a
// pack at a time in offset order.
func (c *checker) readPacked(ctx context.Context, jobs chan<- hashJob) error {
	byPack := map[string][]packedBlock{}
	err := c.s.each(ctx, packedPrefix, func(k ds.Key, v []byte) error {
		m, err := dshelp.DsKeyToMultihash(ds.NewKey(k.BaseNamespace()))
		if err != nil {
			c.problem(Problem{Kind: ProblemPack, Key: k.String(), Detail: fmt.Sprintf("pack index key that is not a multihash: %v", err)})
			return nil
		}
		l, err := parsePackLoc(v)
		if err != nil {
			c.problem(Problem{Kind: ProblemPack, CID: cid.NewCidV1(cid.Raw, m), Key: k.String(), Detail: err.Error()})
			return nil
		}
		id := hex.EncodeToString(l.pack[:])
		byPack[id] = append(byPack[id], packedBlock{m, k, l})
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range sortedKeys(byPack) {
		bs := byPack[id]
		slices.SortFunc(bs, func(a, b packedBlock) int { return cmp.Compare(a.loc.offset, b.loc.offset) })
		if err := c.readPack(ctx, id, bs, jobs); err != nil {
			return err
		}
	}
	return nil
}

// readPack reads the blocks bs of pack id, in order, into jobs.
func (c *checker) readPack(ctx context.Context, id string, bs []packedBlock, jobs chan<- hashJob) error {
	recorded, err := c.committed(ctx, id)
	if err != nil {
		return err
	}
	if !recorded {
		c.problem(Problem{Kind: ProblemPack, Key: packRecordKey(id).String(),
			Detail: fmt.Sprintf("%d index entries point into pack %s, which has no record (its Txn never committed)", len(bs), id)})
	}
	f, ferr := os.Open(packPath(c.s.bs.dir, id))
	if f != nil {
		defer f.Close()
	}
	var size int64
	if ferr == nil {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		size = fi.Size()
	}
	for _, b := range bs {
		j := hashJob{mh: b.mh}
		end := b.loc.offset + b.loc.length
		switch {
		case ferr != nil:
			j.err = fmt.Errorf("pack %s: %w", id, ferr)
		default:
			if w := c.s.bs.active.Load(); w != nil && w.id == b.loc.pack {
				if err := w.flushTo(end); err != nil {
					return err
				}
				if fi, err := f.Stat(); err == nil {
					size = fi.Size()
				}
			}
			if end > uint64(size) {
				j.err = fmt.Errorf("pack %s is %d bytes, but the block's index entry says it ends at %d", id, size, end)
				break
			}
			j.data = make([]byte, b.loc.length)
			if _, err := f.ReadAt(j.data, int64(b.loc.offset)); err != nil && !errors.Is(err, io.EOF) {
				j.err = fmt.Errorf("read pack %s at %d: %w", id, b.loc.offset, err)
			}
		}
		if j.err != nil && !c.stillIndexed(ctx, b) {
			continue // deleted (a rollback, a gc) since it was listed
		}
		select {
		case jobs <- j:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// stillIndexed reports whether b's index entry is still there, unchanged.
func (c *checker) stillIndexed(ctx context.Context, b packedBlock) bool {
	v, err := c.s.ds.Get(ctx, b.key)
	return err == nil && string(v) == string(b.loc.bytes())
}

// packFiles checks that every pack file has a record, but those of Txns
// still running.
func (c *checker) packFiles(ctx context.Context) error {
	if c.s.bs.dir == "" {
		return nil
	}
	ids, err := listPacks(c.s.bs.dir)
	if err != nil {
		return err
	}
	for _, id := range ids {
		ok, err := c.committed(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			c.problem(Problem{Kind: ProblemPack, Key: packPath(packsDir, id),
				Detail: fmt.Sprintf("pack file %s.pack has no record (its Txn never committed); the next open removes it", id)})
		}
	}
	return nil
}

// committed reports whether pack id has its record, or belongs to a Txn
// that has not committed yet (running when the check began, or since).
func (c *checker) committed(ctx context.Context, id string) (bool, error) {
	if c.inflight[id] {
		return true, nil
	}
	if w := c.s.bs.active.Load(); w != nil && hex.EncodeToString(w.id[:]) == id {
		return true, nil
	}
	if ok, err := c.s.ds.Has(ctx, packRecordKey(id)); err != nil || ok {
		return ok, err
	}
	return anyKey(ctx, c.s.ds, journalPrefix.ChildString(id))
}

package store

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/cairnpkg/cairn/dag"
)

// ProblemKind says what is wrong in a store (docs/repo.md, "Checking").
type ProblemKind string

// The kinds of problem Check finds.
const (
	// ProblemDamaged: a stored block whose bytes do not hash to its CID, or
	// cannot be read (a pack file shorter than its index entry says, gone).
	ProblemDamaged ProblemKind = "damaged"
	// ProblemMissing: a block a pin keeps is not stored.
	ProblemMissing ProblemKind = "missing"
	// ProblemPack: a pack index entry, record or file that disagrees with
	// the others.
	ProblemPack ProblemKind = "pack"
	// ProblemIndex: a names or referrers entry naming a block that is not
	// stored, not pinned or not what the entry says.
	ProblemIndex ProblemKind = "index"
	// ProblemLog: a publisher-log entry or head that disagrees with the
	// blocks.
	ProblemLog ProblemKind = "log"
)

// Problem is one thing Check found wrong.
type Problem struct {
	Kind ProblemKind
	// CID is the block concerned, when there is one: for a block found by
	// its key alone (a damaged block), a raw CID of its multihash.
	CID cid.Cid
	// Key is the store key concerned, for an index entry.
	Key string
	// Affects is what the problem damages, when known.
	Affects Affected
	Detail  string
}

// Affected is what a problem damages: the pin that keeps the block and,
// when one is known, the package the block belongs to.
type Affected struct {
	Pin  cid.Cid
	Kind PinKind
	// Package, Name and Version: the package the block belongs to (for a
	// content block, the first package whose layer names its DAG).
	Package cid.Cid
	Name    string
	Version string
	// What says it in words: "package acme/app@1.0.0", "content bafy… of
	// acme/app@1.0.0", "log entry 3 of did:key:…", "block no pin keeps".
	What string
}

// CheckProgress is how far a Check has hashed.
type CheckProgress struct {
	Blocks int
	Bytes  uint64
	// Total is the bytes of every block, as counted when the check began.
	Total uint64
}

// CheckOptions tunes Check.
type CheckOptions struct {
	// Progress, if set, is called as blocks are hashed (from one goroutine
	// at a time, at most every few blocks).
	Progress func(CheckProgress)
	// Workers hash blocks in parallel; 0 means 2.
	Workers int
}

// CheckReport is what Check found.
type CheckReport struct {
	// Blocks and Bytes count the blocks hashed (in badger and packed).
	Blocks int
	Bytes  uint64
	// Stray counts the stored blocks no pin keeps: not a problem, what a
	// garbage collection would delete.
	Stray    int
	Problems []Problem
}

// Check re-hashes every block the store holds against its CID, walks what
// every pin keeps (Closure), and checks that the pack index, pack records
// and pack files, the names and referrers indexes and the publisher logs
// agree with the blocks. Each problem is reported with what it affects;
// nothing is changed. Blocks are streamed, never held all at once: memory
// grows with the number of blocks and index entries, not their bytes. A Txn
// may run meanwhile: what it has not committed yet is not a problem.
func (s *Store) Check(ctx context.Context, o CheckOptions) (*CheckReport, error) {
	c := &checker{s: s, o: o, rep: &CheckReport{}, damaged: map[string]int{}}
	if c.o.Workers <= 0 {
		c.o.Workers = 2
	}
	steps := []func(context.Context) error{
		c.inFlight, c.blocks, c.packFiles, c.closure, c.names, c.referrers, c.logs, c.attribute,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	return c.rep, nil
}

// checker is one Check's state.
type checker struct {
	s   *Store
	o   CheckOptions
	rep *CheckReport
	mu  sync.Mutex // guards rep.Problems while blocks are read and hashed

	// inflight holds the ids of Txns not committed when the check began
	// (journalled, or writing): their pack files and index entries have no
	// record yet.
	inflight map[string]bool
	// damaged maps the multihash of each damaged block to its problem.
	damaged map[string]int
	// roots maps each problem block's multihash to the pin that reached it.
	roots map[string]cid.Cid
	// what the attribution needs: pins, packages, referrers, logs.
	pins      map[cid.Cid]PinKind
	refs      map[cid.Cid]cid.Cid // referrer -> subject
	logNames  map[cid.Cid]string  // log entry or revocation -> "log entry 3 of did"
	pkgNames  map[cid.Cid]dag.Ref // package -> name@version (names index)
	contentOf map[cid.Cid]cid.Cid // content root -> first package naming it
}

// problem adds p to the report and returns its index.
func (c *checker) problem(p Problem) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rep.Problems = append(c.rep.Problems, p)
	return len(c.rep.Problems) - 1
}

// inFlight notes the Txns running or left unfinished when the check began.
func (c *checker) inFlight(ctx context.Context) error {
	c.inflight = map[string]bool{}
	if w := c.s.bs.active.Load(); w != nil {
		c.inflight[fmt.Sprintf("%x", w.id)] = true
	}
	return c.s.each(ctx, journalPrefix, func(k ds.Key, _ []byte) error {
		c.inflight[k.Parent().BaseNamespace()] = true
		return nil
	})
}

// closure walks what the pins keep: a missing block is a problem, a damaged
// one learns its pin, and every stored block reached is not stray.
func (c *checker) closure(ctx context.Context) error {
	c.roots = map[string]cid.Cid{}
	reached := 0
	err := c.s.Closure(ctx, func(r Reach) error {
		mh := string(r.CID.Hash())
		switch {
		case IsMissing(r.Err):
			c.problem(Problem{Kind: ProblemMissing, CID: r.CID, Affects: Affected{Pin: r.Root},
				Detail: "not in the repo, but a pin keeps it"})
			c.roots[mh] = r.Root
			return nil
		case r.Err != nil:
			if _, ok := c.damaged[mh]; !ok {
				c.damaged[mh] = c.problem(Problem{Kind: ProblemDamaged, CID: r.CID, Detail: r.Err.Error()})
			}
		}
		if i, ok := c.damaged[mh]; ok {
			c.rep.Problems[i].CID = r.CID // with its codec, as the DAG names it
			c.roots[mh] = r.Root
		}
		reached++
		return nil
	})
	if err != nil {
		return err
	}
	c.rep.Stray = max(c.rep.Blocks-reached, 0)
	return nil
}

// names checks that every names entry is a stored, pinned package of that
// name and version.
func (c *checker) names(ctx context.Context) error {
	vs, err := c.s.Versions(ctx, "")
	if err != nil {
		return err
	}
	c.pkgNames = map[cid.Cid]dag.Ref{}
	for _, v := range vs {
		key := versionKey(v.Name, v.Version).String()
		bad := func(detail string) {
			c.problem(Problem{Kind: ProblemIndex, CID: v.Package, Key: key, Affects: Affected{Package: v.Package, Name: v.Name, Version: v.Version}, Detail: detail})
		}
		r, err := dag.ParseRef(v.Name + "@" + v.Version)
		if err != nil {
			bad(fmt.Sprintf("names entry is not a valid NAME@VERSION: %v", err))
			continue
		}
		c.pkgNames[v.Package] = r
		if _, ok := c.damaged[string(v.Package.Hash())]; ok {
			continue // reported as damaged already
		}
		pinned, err := c.s.IsPinned(ctx, v.Package)
		if err != nil {
			return err
		}
		if !pinned {
			bad(fmt.Sprintf("names entry %s@%s names a package no pin keeps", v.Name, v.Version))
		}
		p, err := c.s.Package(ctx, v.Package)
		switch {
		case IsMissing(err):
			bad(fmt.Sprintf("names entry %s@%s names a package that is not in the repo", v.Name, v.Version))
		case err != nil:
			bad(fmt.Sprintf("names entry %s@%s: %v", v.Name, v.Version, err))
		case p.Ref() != r:
			bad(fmt.Sprintf("names entry %s@%s names package %s, which is %s", v.Name, v.Version, v.Package, p.Ref()))
		}
	}
	return nil
}

// referrers checks that both ends of every referrers entry are stored.
func (c *checker) referrers(ctx context.Context) error {
	c.refs = map[cid.Cid]cid.Cid{}
	return c.s.each(ctx, refsPrefix, func(k ds.Key, _ []byte) error {
		subject, serr := cid.Decode(k.Parent().BaseNamespace())
		ref, rerr := cid.Decode(k.BaseNamespace())
		if serr != nil || rerr != nil {
			c.problem(Problem{Kind: ProblemIndex, Key: k.String(), Detail: "referrers entry whose key does not hold two CIDs"})
			return nil
		}
		c.refs[ref] = subject
		for _, end := range []struct {
			c    cid.Cid
			what string
		}{{subject, "subject"}, {ref, "referrer"}} {
			ok, err := c.s.Has(ctx, end.c)
			if err != nil {
				return err
			}
			if !ok {
				c.problem(Problem{Kind: ProblemIndex, CID: end.c, Key: k.String(), Affects: Affected{Pin: subject},
					Detail: fmt.Sprintf("referrers entry whose %s %s is not in the repo", end.what, end.c)})
			}
		}
		return nil
	})
}

// sortedKeys returns m's keys in order, for reports that read the same
// from run to run.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// DropDamaged deletes the entries (in badger, or in the pack index) of
// those blocks of cs whose stored bytes are damaged: they do not hash to
// their CID, or cannot be read. A fetch then stores them again, as it
// stores any block the store lacks. A block that reads back intact, or is
// not stored, is left alone. The bytes of a packed block stay in its pack
// file, as after any deletion (docs/repo.md §4). It waits for the running
// Txn to finish and holds the next one off while it works, and returns the
// CIDs it dropped.
func (s *Store) DropDamaged(ctx context.Context, cs []cid.Cid) ([]cid.Cid, error) {
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.writer }()
	var dropped []cid.Cid
	for _, c := range cs {
		b, err := s.bs.Get(ctx, c)
		switch {
		case ipld.IsNotFound(err):
			continue
		case err == nil && dag.CheckBlock(c, b.RawData()) == nil:
			continue
		}
		if err := s.bs.DeleteBlock(ctx, c); err != nil {
			return dropped, fmt.Errorf("drop damaged block %s: %w", c, err)
		}
		dropped = append(dropped, c)
	}
	if len(dropped) == 0 {
		return nil, nil
	}
	return dropped, s.Sync(ctx)
}

package node

import (
	"context"
	"errors"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/node/internal/store"
)

// ErrRepoDamaged: `repo verify` found problems in the repo (docs/repo.md,
// "Checking"); of no kind: the CLI gives it an exit code of its own.
var ErrRepoDamaged = errors.New("repo is damaged")

// CheckOptions tunes Repo.Check and Daemon.Repair.
type CheckOptions struct {
	// Progress, if set, is told the bytes hashed so far and the bytes of
	// every block.
	Progress func(done, total uint64)
}

// RepoCheck is what a check of the repo found, and what a repair did.
type RepoCheck struct {
	// Blocks and Bytes count the blocks hashed.
	Blocks int    `json:"blocks"`
	Bytes  uint64 `json:"bytes"`
	// Stray counts the blocks no pin keeps: not a problem.
	Stray    int           `json:"stray"`
	Problems []RepoProblem `json:"problems"`
	// Repaired is what Repair refetched (nil for a plain check); Problems
	// are then those left after it.
	Repaired []Repair `json:"repaired,omitempty"`
	Seconds  float64  `json:"seconds"`
}

// RepoProblem is one problem a check found, with what it affects.
type RepoProblem struct {
	// Kind is damaged, missing, pack, index or log.
	Kind string  `json:"kind"`
	CID  cid.Cid `json:"cid,omitzero"`
	// Package, Name and Version: the package the problem damages, if known.
	Package cid.Cid `json:"package,omitzero"`
	Name    string  `json:"name,omitempty"`
	Version string  `json:"version,omitempty"`
	// Affects says in words what the problem damages.
	Affects string `json:"affects"`
	// Pin is the pin that keeps the block, and PinKind its kind.
	Pin     cid.Cid `json:"pin,omitzero"`
	PinKind string  `json:"pinKind,omitempty"`
	// Key is the store key concerned, for an index or log problem.
	Key    string `json:"key,omitempty"`
	Detail string `json:"detail"`
}

// Repair is one package (or content root) Repair refetched.
type Repair struct {
	Target  cid.Cid `json:"target"`
	Name    string  `json:"name,omitempty"`
	Version string  `json:"version,omitempty"`
	// Dropped counts the damaged blocks deleted before the fetch.
	Dropped int    `json:"dropped"`
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
}

// Check re-hashes every block of the repo against its CID and checks that
// what the pins keep is there and that the pack files, indexes and logs
// agree with the blocks. It changes nothing.
func (r *Repo) Check(ctx context.Context, o CheckOptions) (*RepoCheck, error) {
	start := time.Now()
	so := store.CheckOptions{}
	if o.Progress != nil {
		so.Progress = func(p store.CheckProgress) { o.Progress(p.Bytes, p.Total) }
	}
	rep, err := r.store.Check(ctx, so)
	if err != nil {
		return nil, err
	}
	out := &RepoCheck{Blocks: rep.Blocks, Bytes: rep.Bytes, Stray: rep.Stray, Problems: []RepoProblem{}}
	for _, p := range rep.Problems {
		out.Problems = append(out.Problems, RepoProblem{
			Kind: string(p.Kind), CID: p.CID, Package: p.Affects.Package, Name: p.Affects.Name, Version: p.Affects.Version,
			Affects: p.Affects.What, Pin: p.Affects.Pin, PinKind: string(p.Affects.Kind), Key: p.Key, Detail: p.Detail,
		})
	}
	out.Seconds = time.Since(start).Seconds()
	return out, nil
}

// Repair checks the repo, deletes the damaged blocks and fetches from peers
// each package (or content root, when no package names it) a damaged or
// missing block belongs to, which stores again the blocks the repo lacks;
// then it checks again and returns that check, with what it refetched.
// Problems of the indexes and logs, and blocks no package or content pin
// keeps, are not repaired: they stay in the report.
func (d *Daemon) Repair(ctx context.Context, o CheckOptions) (*RepoCheck, error) {
	start := time.Now()
	rep, err := d.repo.Check(ctx, o)
	if err != nil || len(rep.Problems) == 0 {
		return rep, err
	}
	var (
		targets []*Repair
		byCID   = map[cid.Cid]*Repair{}
		damaged []cid.Cid
		owner   = map[string]*Repair{} // damaged block's multihash -> its repair
	)
	for _, p := range rep.Problems {
		if p.Kind != string(store.ProblemDamaged) && p.Kind != string(store.ProblemMissing) {
			continue
		}
		t := p.Package
		if !t.Defined() && p.PinKind == string(store.PinContent) {
			t = p.Pin // content no package names
		}
		if !t.Defined() {
			continue
		}
		rp := byCID[t]
		if rp == nil {
			rp = &Repair{Target: t, Name: p.Name, Version: p.Version}
			byCID[t] = rp
			targets = append(targets, rp)
		}
		if p.Kind == string(store.ProblemDamaged) {
			damaged = append(damaged, p.CID)
			owner[string(p.CID.Hash())] = rp
		}
	}
	dropped, err := d.repo.store.DropDamaged(ctx, damaged)
	if err != nil {
		return nil, err
	}
	for _, c := range dropped {
		owner[string(c.Hash())].Dropped++
	}
	for _, t := range targets {
		if _, err := d.fetcher.Fetch(ctx, t.Target.String(), 0); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			t.Error = err.Error()
			continue
		}
		t.OK = true
	}
	after, err := d.repo.Check(ctx, o)
	if err != nil {
		return nil, err
	}
	after.Repaired = make([]Repair, len(targets))
	for i, t := range targets {
		after.Repaired[i] = *t
	}
	after.Seconds = time.Since(start).Seconds()
	return after, nil
}

package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"

	"github.com/cairnpkg/cairn/dag"
)

// logs checks the publisher logs (docs/logs.md §2): each entry
// /cairn/logs/<did>/<seq> is a stored block that decodes as entry seq of
// did, the entries of a log are contiguous from 1, and its head is its last
// entry.
func (c *checker) logs(ctx context.Context) error {
	c.logNames = map[cid.Cid]string{}
	type held struct {
		last   uint64
		entry  cid.Cid
		headed bool
	}
	logs := map[string]*held{}
	err := c.s.each(ctx, logsPrefix, func(k ds.Key, v []byte) error {
		did := k.Parent().BaseNamespace()
		what := "log of " + did
		bad := func(e cid.Cid, detail string) {
			c.problem(Problem{Kind: ProblemLog, CID: e, Key: k.String(), Affects: Affected{What: what}, Detail: detail})
		}
		seq, err := strconv.ParseUint(k.BaseNamespace(), 10, 64)
		if err != nil {
			bad(cid.Undef, "log key whose last part is not a sequence number")
			return nil
		}
		_, e, err := cid.CidFromBytes(v)
		if err != nil {
			bad(cid.Undef, fmt.Sprintf("log index entry %d of %s is not a CID: %v", seq, did, err))
			return nil
		}
		what = fmt.Sprintf("log entry %d of %s", seq, did)
		c.logNames[e] = what
		l := logs[did]
		if l == nil {
			l = &held{}
			logs[did] = l
		}
		if seq != l.last+1 {
			bad(e, fmt.Sprintf("the log of %s holds entry %d after entry %d: its entries are not contiguous from 1", did, seq, l.last))
		}
		l.last, l.entry = seq, e
		if _, ok := c.damaged[string(e.Hash())]; ok {
			return nil // reported as damaged already
		}
		data, err := c.s.Block(ctx, e)
		switch {
		case IsMissing(err):
			bad(e, fmt.Sprintf("log entry %d of %s is not in the repo", seq, did))
			return nil
		case err != nil:
			bad(e, fmt.Sprintf("log entry %d of %s: %v", seq, did, err))
			return nil
		}
		le, err := dag.DecodeLogEntry(data)
		switch {
		case err != nil:
			bad(e, fmt.Sprintf("log index entry %d of %s names a block that is not a log entry: %v", seq, did, err))
		case le.Signer != did || le.Seq != seq:
			bad(e, fmt.Sprintf("log index entry %d of %s names entry %d of %s", seq, did, le.Seq, le.Signer))
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = c.s.each(ctx, headsPrefix, func(k ds.Key, v []byte) error {
		did := k.BaseNamespace()
		bad := func(detail string) {
			c.problem(Problem{Kind: ProblemLog, Key: k.String(), Affects: Affected{What: "log of " + did}, Detail: detail})
		}
		var h Head
		if err := json.Unmarshal(v, &h); err != nil {
			bad(fmt.Sprintf("log head of %s does not decode: %v", did, err))
			return nil
		}
		l := logs[did]
		if l == nil {
			bad(fmt.Sprintf("log head of %s says entry %d, but none of its entries is held", did, h.Seq))
			return nil
		}
		l.headed = true
		if h.Seq != l.last || !h.CID.Equals(l.entry) {
			c.problem(Problem{Kind: ProblemLog, CID: h.CID, Key: k.String(), Affects: Affected{What: "log of " + did},
				Detail: fmt.Sprintf("log head of %s says entry %d (%s), but the last entry held is %d (%s)", did, h.Seq, h.CID, l.last, l.entry)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, did := range sortedKeys(logs) {
		if !logs[did].headed {
			c.problem(Problem{Kind: ProblemLog, Key: headKey(did).String(), Affects: Affected{What: "log of " + did},
				Detail: fmt.Sprintf("the log of %s holds %d entries but has no head", did, logs[did].last)})
		}
	}
	revs, err := records[RevocationRecord](ctx, c.s, revocationsPrefix)
	if err != nil {
		return err
	}
	for _, r := range revs {
		c.logNames[r.Revocation] = "revocation of " + r.Signer
	}
	return nil
}

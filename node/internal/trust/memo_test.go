package trust_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/store/storetest"
	"github.com/cairnpkg/cairn/node/internal/trust"
)

// counting is the store, counting the reads Versions repeats per version
// without its memo.
type counting struct {
	*store.Store
	claims, yanks, evidence, revocations, rotations, entries, pinned, lookups int
}

func (c *counting) Claims(ctx context.Context, name, version string) ([]store.Claim, error) {
	c.claims++
	return c.Store.Claims(ctx, name, version)
}

func (c *counting) Yanks(ctx context.Context, name, version string) ([]store.Yank, error) {
	c.yanks++
	return c.Store.Yanks(ctx, name, version)
}

func (c *counting) AllEvidence(ctx context.Context) ([]store.Evidence, error) {
	c.evidence++
	return c.Store.AllEvidence(ctx)
}

func (c *counting) Revocations(ctx context.Context, signer string) ([]store.RevocationRecord, error) {
	c.revocations++
	return c.Store.Revocations(ctx, signer)
}

func (c *counting) Rotation(ctx context.Context, signer string) (store.Rotation, error) {
	c.rotations++
	return c.Store.Rotation(ctx, signer)
}

func (c *counting) LogEntry(ctx context.Context, signer string, seq uint64) (cid.Cid, error) {
	c.entries++
	return c.Store.LogEntry(ctx, signer, seq)
}

func (c *counting) IsPinned(ctx context.Context, p cid.Cid) (bool, error) {
	c.pinned++
	return c.Store.IsPinned(ctx, p)
}

func (c *counting) Lookup(ctx context.Context, ref dag.Ref) (cid.Cid, error) {
	c.lookups++
	return c.Store.Lookup(ctx, ref)
}

// oldClaims is the store as a repo whose claim records were written before
// they held their log entry's CID: every claim comes without it.
type oldClaims struct{ *counting }

func (o oldClaims) Claims(ctx context.Context, name, version string) ([]store.Claim, error) {
	cls, err := o.counting.Claims(ctx, name, version)
	for i := range cls {
		cls[i].Entry = cid.Undef
	}
	return cls, err
}

// TestVersionsReadsOnce: Versions answers every version of a name exactly
// as ResolveVersion answers it alone — trusted, yanked,
// disputed, claimed only by an untrusted key, claimed by a key after its
// revocation — while reading the name's claims and yanks, the proofs and
// each key's rotation and revocations once, not once a version.
func TestVersionsReadsOnce(t *testing.T) {
	w := newWorld(t)
	pol := w.policy(1, nil, 1, 2, 3)
	refs := map[string]dag.Ref{}
	for _, v := range []string{"1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5"} {
		refs[v] = mustRef("acme/app@" + v)
	}
	pkg := func(s string) cid.Cid { return dagtest.NodeCID(t, s) }
	w.claim(1, refs["1.0.0"], pkg("a0"), "publisher", true)
	w.claim(1, refs["1.0.1"], pkg("a1"), "publisher", true)
	w.yank(1, refs["1.0.1"], pkg("a1"), "broken", 1)
	w.claim(1, refs["1.0.2"], pkg("a2"), "publisher", true)
	w.claim(2, refs["1.0.2"], pkg("rival"), "publisher", true) // disputed
	w.claim(9, refs["1.0.3"], pkg("a3"), "publisher", true)    // untrusted key
	w.claim(3, refs["1.0.4"], pkg("a4"), "publisher", true)
	w.revoke(3, 1) // key 3's claim no longer counts
	w.claim(1, refs["1.0.5"], pkg("a5"), "publisher", true)
	w.claim(1, mustRef("acme/other@1.0.0"), pkg("o"), "publisher", true) // another name
	eff, _ := w.effective(pol)

	ctx := context.Background()
	c := &counting{Store: w.st}
	got, err := trust.Versions(ctx, c, eff, mustRef("acme/app@1.0.0").Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(refs) {
		t.Fatalf("Versions listed %d versions, want %d", len(got), len(refs))
	}
	for _, v := range got {
		alone, err := trust.ResolveVersion(ctx, w.st, eff, refs[v.Version])
		if err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, v), mustJSON(t, alone); a != b {
			t.Errorf("%s in Versions:\n  %s\nalone:\n  %s", v.Version, a, b)
		}
	}
	if c.claims != 1 || c.yanks != 1 || c.evidence > 1 {
		t.Errorf("read claims %d, yanks %d, evidence %d times for %d versions; want 1, 1, at most 1", c.claims, c.yanks, c.evidence, len(got))
	}
	if keys := 4; c.revocations > keys || c.rotations > keys {
		t.Errorf("read revocations %d and rotations %d times for %d keys; want at most once a key", c.revocations, c.rotations, keys)
	}
	statuses := map[string]trust.VersionStatus{}
	for _, v := range got {
		statuses[v.Version] = v.Status
	}
	want := map[string]trust.VersionStatus{"1.0.0": trust.VersionTrusted, "1.0.1": trust.VersionTrusted, "1.0.2": trust.VersionEquivocation,
		"1.0.3": trust.VersionUntrusted, "1.0.4": trust.VersionUntrusted, "1.0.5": trust.VersionTrusted}
	for v, s := range want {
		if statuses[v] != s {
			t.Errorf("%s is %s, want %s", v, statuses[v], s)
		}
	}
	if got[1].Yank == nil || got[1].Yank.Status != trust.YankYanked {
		t.Errorf("1.0.1: yank %+v, want yanked", got[1].Yank)
	}

	// A claim record names its log entry, so nothing looks the entry up;
	// records without it (older repos) give the same answers through the log.
	if c.entries != 0 {
		t.Errorf("looked up %d log entries; claim records name theirs", c.entries)
	}
	old := oldClaims{&counting{Store: w.st}}
	fromLogs, err := trust.Versions(ctx, old, eff, mustRef("acme/app@1.0.0").Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, fromLogs), mustJSON(t, got); a != b {
		t.Errorf("from claim records without their entry:\n  %s\nwith:\n  %s", a, b)
	}
	if old.entries == 0 {
		t.Error("claim records without their entry: no log entry was looked up")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestVersionsIndexedArePinned: the packages the names index holds for the
// name are pinned without a read (an index entry names a pinned package),
// and each version still resolves as ResolveVersion alone says: claimed and
// held, claimed and not held, held and not claimed.
func TestVersionsIndexedArePinned(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	pol := w.policy(1, nil, 1)
	hold := func(ref dag.Ref) cid.Cid {
		return storetest.PutPackage(t, w.st, dagtest.Package(t, ref.Name.String(), ref.Version, []byte("held "+ref.Version)))
	}
	held, claimedOnly, localOnly := mustRef("acme/app@1.0.0"), mustRef("acme/app@1.0.1"), mustRef("acme/app@1.0.2")
	p := hold(held)
	w.claim(1, held, p, "publisher", true)
	w.claim(1, claimedOnly, dagtest.NodeCID(t, "not held"), "publisher", true)
	l := hold(localOnly)
	eff, _ := w.effective(pol)

	c := &counting{Store: w.st}
	got, err := trust.Versions(ctx, c, eff, held.Name, map[string]cid.Cid{held.Version: p, localOnly.Version: l})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{held.Version: true, claimedOnly.Version: false, localOnly.Version: true}
	if len(got) != len(want) {
		t.Fatalf("Versions listed %d versions, want %d", len(got), len(want))
	}
	for _, v := range got {
		if v.Pinned != want[v.Version] {
			t.Errorf("%s: pinned %v, want %v", v.Version, v.Pinned, want[v.Version])
		}
		alone, err := trust.ResolveVersion(ctx, w.st, eff, dag.Ref{Name: held.Name, Version: v.Version})
		if err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, v), mustJSON(t, alone); a != b {
			t.Errorf("%s in Versions:\n  %s\nalone:\n  %s", v.Version, a, b)
		}
	}
	// Only the claimed package the index does not hold is looked up.
	if c.pinned != 1 || c.lookups != 0 {
		t.Errorf("read %d pins and %d index entries, want 1 and 0: the index entries given answer the rest", c.pinned, c.lookups)
	}
}

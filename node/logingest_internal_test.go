package node

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
)

// testRepo makes and opens a repo; its default key signs with key when given.
func testRepo(t *testing.T, key *sign.Key) *Repo {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	if _, err := Init(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	r, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if key != nil {
		if err := r.keys.Put("shared", key); err != nil {
			t.Fatal(err)
		}
		r.cfg.DefaultKey = "shared"
	}
	return r
}

func testPublish(t *testing.T, r *Repo, ref string, data string) *PublishResult {
	t.Helper()
	p, err := dag.ParseRef(ref)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "artifact.bin")
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := r.Publish(context.Background(), PublishRequest{Paths: []string{file}, Name: p.Name, Version: p.Version})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// chainOf reads entries from..to of did's log out of r, as a peer would send them.
func chainOf(t *testing.T, r *Repo, did string, from, to uint64) []logs.Block {
	t.Helper()
	ctx := context.Background()
	var out []logs.Block
	for seq := from; seq <= to; seq++ {
		c, err := r.store.LogEntry(ctx, did, seq)
		if err != nil {
			t.Fatal(err)
		}
		data, err := r.store.Block(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		b, err := logs.Check(c, data, did)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func trustKey(t *testing.T, r *Repo, pattern, did string) {
	t.Helper()
	if err := r.UpdatePolicy(func(p *sign.Policy) error { return p.AddKey(sign.Pattern(pattern), did, 1, nil) }); err != nil {
		t.Fatal(err)
	}
}

func TestIngestLogResolvesAndDetectsEquivocation(t *testing.T) {
	ctx := context.Background()
	key := signtest.Key(t, 7)
	did := key.DID()
	a := testRepo(t, key)
	first := testPublish(t, a, "acme/app@1.0.0", "one")
	second := testPublish(t, a, "acme/app@1.0.1", "two")
	if first.Log == nil || first.Log.Seq != 1 || second.Log.Seq != 2 {
		t.Fatalf("log refs %+v, %+v", first.Log, second.Log)
	}

	b := testRepo(t, nil)
	trustKey(t, b, "acme/*", did)
	// A gap, a chain out of order and a forged entry are refused, and nothing is kept.
	if _, err := logs.Ingest(ctx, b.store, chainOf(t, a, did, 2, 2)); !errors.Is(err, ErrBadLog) {
		t.Errorf("ingest of entry 2 alone = %v, want ErrBadLog", err)
	}
	c := chainOf(t, a, did, 1, 2)
	if _, err := logs.Ingest(ctx, b.store, []logs.Block{c[1], c[0]}); !errors.Is(err, ErrBadLog) {
		t.Errorf("ingest out of order = %v, want ErrBadLog", err)
	}
	forged := append([]byte(nil), c[0].Data...)
	forged[len(forged)-1] ^= 1
	if fc, err := dag.Prefix.Sum(forged); err != nil {
		t.Fatal(err)
	} else if _, err := logs.Check(fc, forged, did); !errors.Is(err, ErrBadLog) {
		t.Errorf("logs.Check of a flipped signature = %v, want ErrBadLog", err)
	}
	if st, _ := b.Stat(ctx); st.Logs != 0 {
		t.Fatalf("refused ingests left %d log entries", st.Logs)
	}

	res, err := logs.Ingest(ctx, b.store, c)
	if err != nil || len(res.Added) != 2 || len(res.Evidence) != 0 {
		t.Fatalf("ingest = %+v, %v", res, err)
	}
	if again, err := logs.Ingest(ctx, b.store, c); err != nil || len(again.Added) != 0 {
		t.Errorf("second ingest of the same entries = %+v, %v; want nothing added", again, err)
	}
	log, err := b.Log(ctx, did, 0)
	if err != nil || log.Head != 2 || len(log.Entries) != 2 || log.Entries[0].Version != "1.0.1" {
		t.Fatalf("Log = %+v, %v", log, err)
	}
	ref, _ := dag.ParseRef("acme/app@1.0.0")
	if got, err := b.ResolveRef(ctx, ref); err != nil || !got.Equals(first.Package) {
		t.Errorf("ResolveRef(%s) = %s, %v; want %s", ref, got, err, first.Package)
	}
	vs, err := b.Versions(ctx, ref.Name)
	if err != nil || len(vs) != 2 || vs[0].Status != VersionTrusted || vs[0].Pinned {
		t.Errorf("Versions = %+v, %v; want two trusted, unpinned (not fetched)", vs, err)
	}

	// Another repo holding the same key publishes another package as
	// acme/app@1.0.0: its entry 1 forks A's log.
	a2 := testRepo(t, key)
	rogue := testPublish(t, a2, "acme/app@1.0.0", "not one")
	res, err = logs.Ingest(ctx, b.store, chainOf(t, a2, did, 1, 1))
	if err != nil || len(res.Evidence) != 1 || res.Evidence[0].Kind != sign.EquivocationFork {
		t.Fatalf("ingest of the fork = %+v, %v; want one fork proof", res, err)
	}
	ev := res.Evidence[0]
	if !ev.Packages[0].Equals(first.Package) || !ev.Packages[1].Equals(rogue.Package) || ev.Seqs != [2]uint64{1, 1} {
		t.Errorf("evidence = %+v", ev)
	}
	if _, err := b.ResolveRef(ctx, ref); !errors.Is(err, ErrEquivocation) {
		t.Errorf("ResolveRef after the fork = %v, want ErrEquivocation", err)
	}
	if log, _ := b.Log(ctx, did, 0); log.Head != 2 || len(log.Equivocations) != 1 {
		t.Errorf("Log after the fork: head %d, %d proofs; want 2 and 1", log.Head, len(log.Equivocations))
	}
	// Both entries are kept, so the proof can be shown to anyone.
	for _, e := range ev.Entries {
		if ok, _ := b.store.IsPinned(ctx, e); !ok {
			t.Errorf("evidence entry %s is not pinned", e)
		}
	}
	// A policy that no longer trusts the key is not disputed by its proofs.
	if err := b.UpdatePolicy(func(p *sign.Policy) error {
		return p.AddKey(sign.Pattern("acme/app"), signtest.Key(t, 8).DID(), 1, nil)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ResolveRef(ctx, ref); !errors.Is(err, ErrNotFound) {
		t.Errorf("ResolveRef once the key is not trusted for acme/app = %v, want ErrNotFound", err)
	}
}

func TestIngestLogConflictWithinOneLog(t *testing.T) {
	ctx := context.Background()
	key := signtest.Key(t, 9)
	did := key.DID()
	// A repo whose name index lost 1.0.0 would let the key sign it twice:
	// simulate with two repos that share the key and the log's first entry.
	a := testRepo(t, key)
	testPublish(t, a, "acme/lib@1.0.0", "first")
	b := testRepo(t, nil)
	trustKey(t, b, "acme/*", did)
	if _, err := logs.Ingest(ctx, b.store, chainOf(t, a, did, 1, 1)); err != nil {
		t.Fatal(err)
	}
	// a2 continues the same log (it holds entry 1), and refuses to name
	// another package as acme/lib@1.0.0 ...
	a2 := testRepo(t, key)
	if _, err := logs.Ingest(ctx, a2.store, chainOf(t, a, did, 1, 1)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "second")
	if err := os.WriteFile(file, []byte("second"), 0o644); err != nil {
		t.Fatal(err)
	}
	name, _ := dag.ParseName("acme/lib")
	if _, err := a2.Publish(ctx, PublishRequest{Paths: []string{file}, Name: name, Version: "1.0.0"}); !errors.Is(err, ErrVersionExists) {
		t.Fatalf("publishing a second package under a name the key's log holds = %v, want ErrVersionExists", err)
	}
	// ... so the key's holder equivocates by hand: entry 2 names another package.
	e1 := chainOf(t, a, did, 1, 1)[0]
	e2 := &dag.LogEntry{Seq: 2, Prev: e1.CID, Created: dagtest.Time(), Name: name, Version: "1.0.0", Package: dagtest.NodeCID(t, "other")}
	if err := sign.SignLogEntry(key, e2); err != nil {
		t.Fatal(err)
	}
	data, c2 := dagtest.MustEncode(t, e2)
	second, err := logs.Check(c2, data, did)
	if err != nil {
		t.Fatal(err)
	}
	res, err := logs.Ingest(ctx, b.store, []logs.Block{e1, second})
	if err != nil || len(res.Added) != 1 || len(res.Evidence) != 1 || res.Evidence[0].Kind != sign.EquivocationConflict {
		t.Fatalf("ingest = %+v, %v; want entry 2 added with a conflict proof", res, err)
	}
	ref, _ := dag.ParseRef("acme/lib@1.0.0")
	vs, err := b.Versions(ctx, ref.Name)
	if err != nil || len(vs) != 1 || vs[0].Status != VersionEquivocation || len(vs[0].Equivocations) != 1 {
		t.Errorf("Versions = %+v, %v; want one version in equivocation", vs, err)
	}
}

// TestImportRevealsEquivocation: a bundle whose log entry forks a log the
// repo holds is refused: its package is disputed, and nothing is kept.
func TestImportRevealsEquivocation(t *testing.T) {
	ctx := context.Background()
	key := signtest.Key(t, 11)
	a, a2, b := testRepo(t, key), testRepo(t, key), testRepo(t, nil)
	trustKey(t, b, "acme/*", key.DID())
	exportImport := func(from *Repo, c cid.Cid) (*ImportResult, error) {
		var buf bytes.Buffer
		if _, err := from.Export(ctx, c, &buf, ExportOptions{}); err != nil {
			t.Fatal(err)
		}
		return b.Import(ctx, &buf, ImportOptions{})
	}
	real := testPublish(t, a, "acme/app@1.0.0", "real")
	if res, err := exportImport(a, real.Package); err != nil || res.LogEntries != 1 {
		t.Fatalf("import of the real bundle = %+v, %v; want 1 log entry added", res, err)
	}
	before, _ := b.Stat(ctx)
	other := testPublish(t, a2, "acme/app@1.0.0", "other")
	res, err := exportImport(a2, other.Package)
	if !errors.Is(err, ErrUntrusted) || res == nil || res.Packages[0].Report.Code != sign.CodeEquivocation {
		t.Fatalf("import of the forking bundle = %+v, %v; want ErrUntrusted with code equivocation", res, err)
	}
	if after, _ := b.Stat(ctx); after.Stat != before.Stat {
		t.Errorf("the refused import changed the repo: %+v -> %+v", before.Stat, after.Stat)
	}
}

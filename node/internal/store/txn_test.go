package store_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/boxo/ipld/merkledag"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
)

func TestCommitMakesEverythingVisible(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)

	content := testBlocks(t, "commit", 3)
	_, pkgBytes, pkgCID := testPackage(t, "acme/hello", "1.0.0", []byte("hello"))
	_, otherBytes, otherCID := testPackage(t, "acme/hello-world", "2.0.0", []byte("world"))
	metaCID := content[2].Cid() // any CID will do as a referrer

	tx := begin(t, s)
	put(t, tx, content...)
	if err := tx.PutNode(ctx, pkgCID, pkgBytes); err != nil {
		t.Fatalf("PutNode: %v", err)
	}
	if err := tx.PutNode(ctx, otherCID, otherBytes); err != nil {
		t.Fatalf("PutNode: %v", err)
	}
	before := time.Now().UTC()
	tx.Pin(pkgCID, store.PinPackage)
	tx.Pin(content[0].Cid(), store.PinContent)
	tx.SetVersion(ref(t, "acme/hello@1.0.0"), pkgCID)
	tx.SetVersion(ref(t, "acme/hello@1.10.0"), pkgCID)
	tx.SetVersion(ref(t, "acme/hello-world@2.0.0"), otherCID)
	tx.SetVersion(ref(t, "other/thing@0.1.0"), otherCID)
	tx.AddReferrer(pkgCID, metaCID, dag.NodeMetadata)

	// Before Commit: blocks are readable (they stream in), but nothing else is.
	checkBlocks(t, s, true, content...)
	t.Run("invisible before commit", func(t *testing.T) {
		if isPinned(t, s, pkgCID) || isPinned(t, s, content[0].Cid()) {
			t.Error("pin visible before Commit")
		}
		pins, err := s.Pins(ctx)
		if err != nil || len(pins) != 0 {
			t.Errorf("Pins() = %v, %v; want none", pins, err)
		}
		if _, err := s.Lookup(ctx, ref(t, "acme/hello@1.0.0")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Lookup before Commit: err = %v, want ErrNotFound", err)
		}
		if vs := versions(t, s, ""); len(vs) != 0 {
			t.Errorf("Versions before Commit = %v", vs)
		}
		if rs := referrers(t, s, pkgCID); len(rs) != 0 {
			t.Errorf("Referrers before Commit = %v", rs)
		}
		want := store.Stat{Blocks: 5, Journal: 5, Bytes: blockBytes(content...) + uint64(len(pkgBytes)+len(otherBytes))}
		if st := stat(t, s); st != want {
			t.Errorf("Stat before Commit = %+v, want %+v", st, want)
		}
	})

	commit(t, tx)
	after := time.Now().UTC()

	t.Run("blocks", func(t *testing.T) {
		checkBlocks(t, s, true, content...)
		for c, want := range map[cid.Cid][]byte{pkgCID: pkgBytes, otherCID: otherBytes} {
			got, err := s.Block(ctx, c)
			if err != nil || string(got) != string(want) {
				t.Errorf("Block(%s) = %x, %v; want %x", c, got, err, want)
			}
			b, err := s.Blockstore().Get(ctx, c)
			if err != nil || string(b.RawData()) != string(want) {
				t.Errorf("Blockstore().Get(%s) = %v, %v", c, b, err)
			}
		}
	})
	t.Run("pins", func(t *testing.T) {
		pins, err := s.Pins(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(pins) != 2 {
			t.Fatalf("Pins() = %v, want 2 pins", pins)
		}
		for c, kind := range map[cid.Cid]store.PinKind{pkgCID: store.PinPackage, content[0].Cid(): store.PinContent} {
			p, ok := pins[c]
			if !ok {
				t.Errorf("no pin for %s", c)
				continue
			}
			if p.Kind != kind {
				t.Errorf("pin %s kind = %q, want %q", c, p.Kind, kind)
			}
			if p.Created.Before(before.Add(-time.Second)) || p.Created.After(after.Add(time.Second)) {
				t.Errorf("pin %s created %v, want between %v and %v", c, p.Created, before, after)
			}
			if !isPinned(t, s, c) {
				t.Errorf("IsPinned(%s) = false", c)
			}
		}
		if isPinned(t, s, content[1].Cid()) {
			t.Errorf("IsPinned(%s) = true for an unpinned block", content[1].Cid())
		}
	})
	t.Run("lookup", func(t *testing.T) {
		for _, tc := range []struct {
			ref  string
			want cid.Cid
		}{
			{"acme/hello@1.0.0", pkgCID},
			{"acme/hello@1.10.0", pkgCID},
			{"acme/hello-world@2.0.0", otherCID},
			{"other/thing@0.1.0", otherCID},
		} {
			got, err := s.Lookup(ctx, ref(t, tc.ref))
			if err != nil || !got.Equals(tc.want) {
				t.Errorf("Lookup(%s) = %s, %v; want %s", tc.ref, got, err, tc.want)
			}
		}
		for _, missing := range []string{"acme/hello@1.0.1", "acme/hell@1.0.0", "acme/hello-world@1.0.0", "acme/other@1.0.0"} {
			if _, err := s.Lookup(ctx, ref(t, missing)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Lookup(%s): err = %v, want ErrNotFound", missing, err)
			}
		}
	})
	t.Run("versions", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			want []store.Version
		}{
			// Key byte order: "acme/hello-world/" < "acme/hello/" ('-' < '/'),
			// and "1.0.0" < "1.10.0" (docs/repo.md: listing walks keys in byte order).
			{"", []store.Version{
				{"acme/hello-world", "2.0.0", otherCID},
				{"acme/hello", "1.0.0", pkgCID},
				{"acme/hello", "1.10.0", pkgCID},
				{"other/thing", "0.1.0", otherCID},
			}},
			// "acme/hello" must not list "acme/hello-world".
			{"acme/hello", []store.Version{{"acme/hello", "1.0.0", pkgCID}, {"acme/hello", "1.10.0", pkgCID}}},
			{"acme/hello-world", []store.Version{{"acme/hello-world", "2.0.0", otherCID}}},
			{"other/thing", []store.Version{{"other/thing", "0.1.0", otherCID}}},
			{"acme/hell", nil},
			{"acme/nothing", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := versions(t, s, tc.name)
				if !slices.EqualFunc(got, tc.want, func(a, b store.Version) bool {
					return a.Name == b.Name && a.Version == b.Version && a.Package.Equals(b.Package)
				}) {
					t.Errorf("Versions(%q) = %v, want %v", tc.name, got, tc.want)
				}
			})
		}
	})
	t.Run("referrers", func(t *testing.T) {
		if rs := referrers(t, s, pkgCID); len(rs) != 1 || !rs[0].Equals(metaCID) {
			t.Errorf("Referrers(pkg) = %v, want [%s]", rs, metaCID)
		}
		if rs := referrers(t, s, otherCID); len(rs) != 0 {
			t.Errorf("Referrers(other) = %v, want none", rs)
		}
	})
	t.Run("stat", func(t *testing.T) {
		want := store.Stat{Blocks: 5, Pins: 2, Versions: 4, Refs: 1, Journal: 0, Bytes: blockBytes(content...) + uint64(len(pkgBytes)+len(otherBytes))}
		if st := stat(t, s); st != want {
			t.Errorf("Stat = %+v, want %+v", st, want)
		}
	})
	t.Run("done", func(t *testing.T) {
		if err := tx.Commit(ctx); !errors.Is(err, store.ErrTxnDone) {
			t.Errorf("second Commit: err = %v, want ErrTxnDone", err)
		}
		if err := tx.Blockstore().Put(ctx, rawBlock(t, []byte("late"))); !errors.Is(err, store.ErrTxnDone) {
			t.Errorf("Put after Commit: err = %v, want ErrTxnDone", err)
		}
		if err := tx.Abort(ctx); err != nil {
			t.Errorf("Abort after Commit: %v", err)
		}
		checkBlocks(t, s, true, content...) // Abort after Commit is a no-op
		if st := stat(t, s); st.Blocks != 5 || st.Pins != 2 {
			t.Errorf("Stat after Abort-after-Commit = %+v", st)
		}
	})
}

func TestCommitKeepsFirstPinAndSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	b := rawBlock(t, []byte("pinned twice"))

	tx := begin(t, s)
	put(t, tx, b)
	tx.Pin(b.Cid(), store.PinContent)
	commit(t, tx)
	first, err := s.Pins(ctx)
	if err != nil {
		t.Fatal(err)
	}

	tx = begin(t, s)
	put(t, tx, b)
	tx.Pin(b.Cid(), store.PinPackage)
	commit(t, tx)

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir)
	pins, err := s.Pins(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pins) != 1 {
		t.Fatalf("Pins = %v", pins)
	}
	got := pins[b.Cid()]
	if got.Kind != store.PinContent || !got.Created.Equal(first[b.Cid()].Created) {
		t.Errorf("pin = %+v, want the first record %+v", got, first[b.Cid()])
	}
	checkBlocks(t, s, true, b)
	if st := stat(t, s); st.Journal != 0 || st.Blocks != 1 {
		t.Errorf("Stat after reopen = %+v", st)
	}
}

func TestAbort(t *testing.T) {
	ctx := context.Background()

	t.Run("removes new blocks and buffered writes", func(t *testing.T) {
		s := newStore(t)
		bs := testBlocks(t, "abort", 4)
		_, pkgBytes, pkgCID := testPackage(t, "acme/hello", "1.0.0", []byte("x"))
		tx := begin(t, s)
		put(t, tx, bs...)
		if err := tx.PutNode(ctx, pkgCID, pkgBytes); err != nil {
			t.Fatal(err)
		}
		tx.Pin(pkgCID, store.PinPackage)
		tx.SetVersion(ref(t, "acme/hello@1.0.0"), pkgCID)
		tx.AddReferrer(pkgCID, bs[0].Cid(), dag.NodeMetadata)
		abort(t, tx)

		checkBlocks(t, s, false, bs...)
		if has(t, s, pkgCID) {
			t.Error("package block survived Abort")
		}
		if st := stat(t, s); st != (store.Stat{}) {
			t.Errorf("Stat after Abort = %+v, want empty", st)
		}
		if _, err := s.Lookup(ctx, ref(t, "acme/hello@1.0.0")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Lookup after Abort: %v", err)
		}
		if err := tx.Commit(ctx); !errors.Is(err, store.ErrTxnDone) {
			t.Errorf("Commit after Abort: err = %v, want ErrTxnDone", err)
		}
		if err := tx.Abort(ctx); err != nil {
			t.Errorf("second Abort: %v", err)
		}
		if err := tx.Blockstore().Put(ctx, bs[0]); !errors.Is(err, store.ErrTxnDone) {
			t.Errorf("Put after Abort: err = %v, want ErrTxnDone", err)
		}
		if has(t, s, bs[0].Cid()) {
			t.Error("Put after Abort stored a block")
		}
	})

	t.Run("keeps blocks committed earlier", func(t *testing.T) {
		s := newStore(t)
		old := testBlocks(t, "old", 3)
		tx := begin(t, s)
		put(t, tx, old...)
		commit(t, tx)
		before := stat(t, s)

		fresh := testBlocks(t, "fresh", 3)
		tx = begin(t, s)
		put(t, tx, old[0])                   // put again alone
		put(t, tx, append(fresh, old[1])...) // and mixed with new ones
		if err := tx.PutNode(ctx, old[2].Cid(), old[2].RawData()); err != nil {
			t.Fatal(err)
		}
		if st := stat(t, s); st.Journal != len(fresh) {
			t.Errorf("journal = %d, want %d (only new blocks are journalled)", st.Journal, len(fresh))
		}
		abort(t, tx)

		checkBlocks(t, s, true, old...)
		checkBlocks(t, s, false, fresh...)
		if st := stat(t, s); st != before {
			t.Errorf("Stat after Abort = %+v, want %+v", st, before)
		}
	})

	t.Run("with cancelled context", func(t *testing.T) {
		s := newStore(t)
		bs := testBlocks(t, "cancel", 2)
		tctx, cancel := context.WithCancel(ctx)
		tx, err := s.Begin(tctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Blockstore().PutMany(tctx, bs); err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := tx.Abort(tctx); err != nil {
			t.Fatalf("Abort with a cancelled context: %v", err)
		}
		checkBlocks(t, s, false, bs...)
		if st := stat(t, s); st != (store.Stat{}) {
			t.Errorf("Stat = %+v, want empty", st)
		}
	})

	t.Run("same block under raw and dag-pb CIDs", func(t *testing.T) {
		// Blocks are keyed by multihash: the second CID is not new, so it is
		// not journalled, and Abort deletes the one entry.
		s := newStore(t)
		raw := rawBlock(t, []byte("two codecs"))
		pb, err := blocks.NewBlockWithCid(raw.RawData(), cid.NewCidV1(cid.DagProtobuf, raw.Cid().Hash()))
		if err != nil {
			t.Fatal(err)
		}
		tx := begin(t, s)
		put(t, tx, raw, pb)
		if !has(t, s, pb.Cid()) {
			t.Fatal("dag-pb CID not found by multihash")
		}
		abort(t, tx)
		checkBlocks(t, s, false, raw, pb)
		if st := stat(t, s); st != (store.Stat{}) {
			t.Errorf("Stat = %+v, want empty", st)
		}
	})
}

func TestVersionConflict(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	_, aBytes, a := testPackage(t, "acme/hello", "1.0.0", []byte("A"))
	_, bBytes, b := testPackage(t, "acme/hello", "1.0.0", []byte("B"))
	r := ref(t, "acme/hello@1.0.0")

	tx := begin(t, s)
	if err := tx.PutNode(ctx, a, aBytes); err != nil {
		t.Fatal(err)
	}
	tx.SetVersion(r, a)
	tx.Pin(a, store.PinPackage)
	commit(t, tx)
	before := stat(t, s)

	t.Run("another package", func(t *testing.T) {
		extra := testBlocks(t, "conflict", 2)
		tx := begin(t, s)
		put(t, tx, extra...)
		if err := tx.PutNode(ctx, b, bBytes); err != nil {
			t.Fatal(err)
		}
		tx.Pin(b, store.PinPackage)
		tx.SetVersion(r, b)
		tx.SetVersion(ref(t, "acme/hello@2.0.0"), b)
		tx.AddReferrer(b, extra[0].Cid(), dag.NodeMetadata)
		err := tx.Commit(ctx)
		wantErrIs(t, err, store.ErrVersionExists)
		for _, want := range []string{"acme/hello@1.0.0", a.String(), b.String()} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		abort(t, tx)
		checkBlocks(t, s, false, extra...)
		if has(t, s, b) {
			t.Error("conflicting package block survived Abort")
		}
		if got, err := s.Lookup(ctx, r); err != nil || !got.Equals(a) {
			t.Errorf("Lookup = %s, %v; want %s", got, err, a)
		}
		if _, err := s.Lookup(ctx, ref(t, "acme/hello@2.0.0")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the failed Txn's other version was written: %v", err)
		}
		if st := stat(t, s); st != before {
			t.Errorf("Stat = %+v, want %+v", st, before)
		}
	})

	t.Run("same package", func(t *testing.T) {
		tx := begin(t, s)
		if err := tx.PutNode(ctx, a, aBytes); err != nil {
			t.Fatal(err)
		}
		tx.SetVersion(r, a)
		commit(t, tx)
		if got, err := s.Lookup(ctx, r); err != nil || !got.Equals(a) {
			t.Errorf("Lookup = %s, %v; want %s", got, err, a)
		}
		if st := stat(t, s); st != before {
			t.Errorf("Stat = %+v, want %+v", st, before)
		}
	})
}

func TestCrashBeforeCommit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)

	kept := testBlocks(t, "kept", 2)
	tx := begin(t, s)
	put(t, tx, kept...)
	tx.Pin(kept[0].Cid(), store.PinContent)
	commit(t, tx)

	lost := testBlocks(t, "lost", 5)
	_, pkgBytes, pkgCID := testPackage(t, "acme/hello", "1.0.0", []byte("crash"))
	tx = begin(t, s)
	put(t, tx, lost...)
	put(t, tx, kept...)
	if err := tx.PutNode(ctx, pkgCID, pkgBytes); err != nil {
		t.Fatal(err)
	}
	tx.Pin(pkgCID, store.PinPackage)
	tx.SetVersion(ref(t, "acme/hello@1.0.0"), pkgCID)
	if st := stat(t, s); st.Journal != 6 {
		t.Fatalf("journal before the crash = %d, want 6", st.Journal)
	}
	// Crash: the Txn holds the writer slot and is neither committed nor aborted.
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close with a Txn open: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocks while a Txn is open")
	}
	if err := tx.Commit(ctx); err == nil {
		t.Error("Commit after Close succeeded")
	}

	s = openStore(t, dir)
	checkBlocks(t, s, false, lost...)
	checkBlocks(t, s, true, kept...)
	if has(t, s, pkgCID) {
		t.Error("package block of the interrupted Txn survived")
	}
	want := store.Stat{Blocks: 2, Pins: 1, Bytes: blockBytes(kept...)}
	if st := stat(t, s); st != want {
		t.Errorf("Stat after reopen = %+v, want %+v", st, want)
	}
	if _, err := s.Lookup(ctx, ref(t, "acme/hello@1.0.0")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Lookup: %v", err)
	}
	// The reopened store is usable.
	tx = begin(t, s)
	put(t, tx, lost[0])
	commit(t, tx)
	checkBlocks(t, s, true, lost[0])
}

func TestLargeTxn(t *testing.T) {
	if testing.Short() {
		t.Skip("large transaction")
	}
	const n = 20000
	all := testBlocks(t, "large", n)
	roots := []cid.Cid{all[0].Cid(), all[n/2].Cid(), all[n-1].Cid()}
	load := func(t *testing.T, s *store.Store) *store.Txn {
		t.Helper()
		tx := begin(t, s)
		for i := 0; i < n; i += 500 {
			put(t, tx, all[i:i+500]...)
		}
		for _, r := range roots {
			tx.Pin(r, store.PinContent)
		}
		tx.SetVersion(ref(t, "acme/large@1.0.0"), roots[0])
		return tx
	}

	t.Run("commit", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		s := openStore(t, dir)
		tx := load(t, s)
		if st := stat(t, s); st.Journal != n {
			t.Fatalf("journal = %d, want %d", st.Journal, n)
		}
		commit(t, tx)
		want := store.Stat{Blocks: n, Pins: len(roots), Versions: 1, Bytes: blockBytes(all...)}
		if st := stat(t, s); st != want {
			t.Errorf("Stat = %+v, want %+v", st, want)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = openStore(t, dir)
		if st := stat(t, s); st != want {
			t.Errorf("Stat after reopen = %+v, want %+v", st, want)
		}
		checkBlocks(t, s, true, all[0], all[n/3], all[n-1])
	})

	t.Run("abort", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		tx := load(t, s)
		abort(t, tx)
		if st := stat(t, s); st != (store.Stat{}) {
			t.Errorf("Stat = %+v, want empty", st)
		}
		checkBlocks(t, s, false, all[0], all[n/3], all[n-1])
	})
}

func TestBeginWaitsForRunningTxn(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	first := begin(t, s)

	t.Run("honours cancellation", func(t *testing.T) {
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		tx, err := s.Begin(cctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Begin while a Txn is open: tx = %v, err = %v; want DeadlineExceeded", tx, err)
		}
		cctx, cancel = context.WithCancel(ctx)
		cancel()
		if _, err := s.Begin(cctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Begin with a cancelled context: err = %v, want Canceled", err)
		}
	})

	for _, end := range []struct {
		name string
		fn   func(*store.Txn) error
	}{
		{"commit", func(tx *store.Txn) error { return tx.Commit(ctx) }},
		{"abort", func(tx *store.Txn) error { return tx.Abort(ctx) }},
	} {
		t.Run("released by "+end.name, func(t *testing.T) {
			got := make(chan *store.Txn, 1)
			go func() {
				tx, err := s.Begin(ctx)
				if err != nil {
					t.Errorf("Begin: %v", err)
				}
				got <- tx
			}()
			select {
			case <-got:
				t.Fatal("Begin returned while another Txn was open")
			case <-time.After(100 * time.Millisecond):
			}
			if err := end.fn(first); err != nil {
				t.Fatal(err)
			}
			select {
			case first = <-got:
				if first == nil {
					t.FailNow()
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("Begin still blocked after %s", end.name)
			}
		})
	}
	abort(t, first)
	// A failed Commit (version conflict) keeps the slot until Abort.
	_, aBytes, a := testPackage(t, "acme/x", "1.0.0", []byte("a"))
	tx := begin(t, s)
	if err := tx.PutNode(ctx, a, aBytes); err != nil {
		t.Fatal(err)
	}
	tx.SetVersion(ref(t, "acme/x@1.0.0"), a)
	commit(t, tx)
	tx = begin(t, s)
	tx.SetVersion(ref(t, "acme/x@1.0.0"), rawBlock(t, []byte("b")).Cid())
	wantErrIs(t, tx.Commit(ctx), store.ErrVersionExists)
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.Begin(cctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Begin after a failed Commit, before Abort: err = %v, want DeadlineExceeded", err)
	}
	abort(t, tx)
	abort(t, begin(t, s))
}

func TestConcurrentPutMany(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const workers, per = 8, 200
	shared := testBlocks(t, "shared", 20) // every worker puts these too
	tx := begin(t, s)
	var wg sync.WaitGroup
	var all []blocks.Block
	var mu sync.Mutex
	for w := range workers {
		mine := testBlocks(t, "worker"+string(rune('a'+w)), per)
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			bs := tx.Blockstore()
			if err := bs.PutMany(ctx, shared); err != nil {
				t.Errorf("PutMany: %v", err)
				return
			}
			for i := 0; i < per; i += 25 {
				batch := append(slices.Clone(mine[i:i+25]), shared[(i/25+w)%len(shared)])
				if err := bs.PutMany(ctx, batch); err != nil {
					t.Errorf("PutMany: %v", err)
					return
				}
				if _, err := bs.Get(ctx, mine[i].Cid()); err != nil {
					t.Errorf("Get: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	all = append(all, shared...)
	tx.Pin(all[0].Cid(), store.PinContent)
	commit(t, tx)
	checkBlocks(t, s, true, all...)
	st := stat(t, s)
	if st.Blocks != len(all) || st.Journal != 0 || st.Pins != 1 {
		t.Errorf("Stat = %+v, want %d blocks, no journal, 1 pin", st, len(all))
	}
}

// TestTxnCopiesBlocks: a Txn's DAG service has copied a node's bytes when
// Add returns, whether the block goes to a pack (in one write, or through
// the buffer) or to badger, so the caller may reuse or unmap them at once
// (content.MapFiles relies on it).
func TestTxnCopiesBlocks(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	tx := begin(t, s)
	var nds []ipld.Node
	var want []blocks.Block
	for i, size := range []int{1 << 20, 200 << 10, 100} {
		data := make([]byte, size)
		rand.NewChaCha8([32]byte{byte(i)}).Read(data)
		want = append(want, rawBlock(t, slices.Clone(data)))
		nd, err := merkledag.NewRawNodeWPrefix(data, want[i].Cid().Prefix())
		if err != nil {
			t.Fatal(err)
		}
		nds = append(nds, nd)
	}
	if err := tx.DAGService().AddMany(ctx, nds); err != nil {
		t.Fatal(err)
	}
	for _, nd := range nds {
		clear(nd.RawData())
	}
	tx.Pin(want[0].Cid(), store.PinContent)
	commit(t, tx)
	checkBlocks(t, s, true, want...)
}

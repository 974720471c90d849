package logsync_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/internal/waittest"
	"github.com/cairnpkg/cairn/node/internal/dagstream"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/logsync"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/store/storetest"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
)

// waitTimeout bounds every wait for the follower's goroutines.
const waitTimeout = 5 * time.Second

// waitFor polls cond until it holds or waitTimeout passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waittest.Until(t, waitTimeout, what, cond)
}

// entry signs entry seq of key's log, after prev, naming acme/app@version.
// Every key names one package per version: the logs of two keys do not
// conflict.
func entry(t *testing.T, key *sign.Key, seq uint64, prev cid.Cid, version string) logs.Block {
	t.Helper()
	name, err := dag.ParseName("acme/app")
	if err != nil {
		t.Fatal(err)
	}
	e := &dag.LogEntry{Seq: seq, Prev: prev, Created: dagtest.Time(), Name: name, Version: version,
		Package: dagtest.NodeCID(t, "acme/app@"+version)}
	if err := sign.SignLogEntry(key, e); err != nil {
		t.Fatal(err)
	}
	data, c := dagtest.MustEncode(t, e)
	b, err := logs.Check(c, data, key.DID())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// logOf returns entries 1..len(versions) of key's log, naming acme/app at
// versions; entry seq is at index seq-1.
func logOf(t *testing.T, key *sign.Key, versions ...string) []logs.Block {
	t.Helper()
	var out []logs.Block
	prev := cid.Undef
	for i, v := range versions {
		b := entry(t, key, uint64(i+1), prev, v)
		out = append(out, b)
		prev = b.CID
	}
	return out
}

// logN returns entries 1..n of key's log, entry seq naming acme/app@0.seq.0.
func logN(t *testing.T, key *sign.Key, n int) []logs.Block {
	t.Helper()
	var versions []string
	for seq := 1; seq <= n; seq++ {
		versions = append(versions, fmt.Sprintf("0.%d.0", seq))
	}
	return logOf(t, key, versions...)
}

// testPeer returns a peer ID, as the peer that tells of heads.
func testPeer(t *testing.T) peer.ID {
	t.Helper()
	_, pub, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// fakeBlocks is a peer's blockstore: it serves whatever it is given under
// whatever CID it is told, lies included, and records what it was asked.
type fakeBlocks struct {
	mu    sync.Mutex
	data  map[cid.Cid][]byte
	asked []cid.Cid
	from  []peer.ID
	// gates holds back the fetch of a CID until its channel is closed.
	gates map[cid.Cid]chan struct{}
}

var errNotServed = errors.New("block not served")

func newFakeBlocks() *fakeBlocks {
	return &fakeBlocks{data: map[cid.Cid][]byte{}, gates: map[cid.Cid]chan struct{}{}}
}

// serve makes the peer serve each block under its own CID.
func (b *fakeBlocks) serve(bs ...logs.Block) {
	for _, x := range bs {
		b.lie(x.CID, x.Data)
	}
}

// lie makes the peer serve data under c, unchecked.
func (b *fakeBlocks) lie(c cid.Cid, data []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.data[c] = data
}

// gate holds back fetches of c until the returned func is called.
func (b *fakeBlocks) gate(c cid.Cid) (release func()) {
	ch := make(chan struct{})
	b.mu.Lock()
	b.gates[c] = ch
	b.mu.Unlock()
	return sync.OnceFunc(func() { close(ch) })
}

func (b *fakeBlocks) GetBlock(ctx context.Context, c cid.Cid, from peer.ID, _ []string) ([]byte, error) {
	b.mu.Lock()
	b.asked = append(b.asked, c)
	b.from = append(b.from, from)
	gate := b.gates[c]
	b.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.data[c]
	if !ok {
		return nil, fmt.Errorf("%w: %s", errNotServed, c)
	}
	return data, nil
}

// askedFor returns the CIDs asked for so far, in order.
func (b *fakeBlocks) askedFor() []cid.Cid {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.asked)
}

// askedFrom returns the peers asked so far, in order.
func (b *fakeBlocks) askedFrom() []peer.ID {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.from)
}

// logRecords is a slog.Handler that keeps the records, for tests to find
// the errors the follower logged.
type logRecords struct {
	sink  *logSink
	attrs []slog.Attr
}

type logSink struct {
	mu   sync.Mutex
	recs []slog.Record
}

func newLogRecords() logRecords { return logRecords{sink: &logSink{}} }

func (h logRecords) Enabled(context.Context, slog.Level) bool { return true }

func (h logRecords) Handle(_ context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(h.attrs...)
	h.sink.mu.Lock()
	defer h.sink.mu.Unlock()
	h.sink.recs = append(h.sink.recs, r)
	return nil
}

func (h logRecords) WithAttrs(as []slog.Attr) slog.Handler {
	return logRecords{sink: h.sink, attrs: append(slices.Clone(h.attrs), as...)}
}

func (h logRecords) WithGroup(string) slog.Handler { return h } // groups are flattened

// failure returns the error of the first warning logged about signer with
// an "err", or nil.
func (h logRecords) failure(signer string) error {
	h.sink.mu.Lock()
	defer h.sink.mu.Unlock()
	for _, r := range h.sink.recs {
		if r.Level != slog.LevelWarn {
			continue
		}
		var s string
		var err error
		r.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "signer":
				s = a.Value.String()
			case "err":
				err, _ = a.Value.Any().(error)
			}
			return true
		})
		if s == signer && err != nil {
			return err
		}
	}
	return nil
}

// followSet is the set of keys the repo follows, which a test changes.
type followSet struct {
	mu   sync.Mutex
	keys map[string]bool
}

func (s *followSet) set(keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = map[string]bool{}
	for _, k := range keys {
		s.keys[k] = true
	}
}

func (s *followSet) follows() (map[string]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.keys), nil
}

// harness is a Follower on a real store, with a fake peer.
type harness struct {
	st      *store.Store
	blocks  *fakeBlocks
	events  *events.Recorder
	log     logRecords
	follows *followSet
	f       *logsync.Follower

	mu       sync.Mutex
	ingested [][]uint64 // the seqs of each chain handed to Ingest
}

// newHarness starts a Follower with workers workers (0: the default) that
// follows the logs of followed.
func newHarness(t *testing.T, workers int, followed ...string) *harness {
	t.Helper()
	h := &harness{st: storetest.New(t), blocks: newFakeBlocks(), events: &events.Recorder{}, log: newLogRecords(), follows: &followSet{}}
	h.follows.set(followed...)
	h.f = logsync.NewFollower(logsync.FollowerConfig{
		Logs:   h.st,
		Blocks: h.blocks,
		Ingest: func(ctx context.Context, chain []logs.Block) (*logs.IngestResult, error) {
			var seqs []uint64
			for _, b := range chain {
				seqs = append(seqs, b.Entry.Seq)
			}
			h.mu.Lock()
			h.ingested = append(h.ingested, seqs)
			h.mu.Unlock()
			return logs.Ingest(ctx, h.st, chain)
		},
		Follows: h.follows.follows,
		Events:  h.events,
		Log:     slog.New(h.log),
		Workers: workers,
	})
	h.f.Start(t.Context())
	t.Cleanup(func() { h.f.Close() })
	return h
}

// hold stores chain in the repo, as if caught up before.
func (h *harness) hold(t *testing.T, chain []logs.Block) {
	t.Helper()
	if _, err := logs.Ingest(context.Background(), h.st, chain); err != nil {
		t.Fatal(err)
	}
}

// ingests returns the seqs of each chain handed to Ingest so far.
func (h *harness) ingests() [][]uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.ingested)
}

// caughtUp returns the LogsCaughtUp events emitted for signer so far.
func (h *harness) caughtUp(signer string) []events.LogsCaughtUp {
	var out []events.LogsCaughtUp
	for _, e := range h.events.Events() {
		if c, ok := e.(events.LogsCaughtUp); ok && c.Signer == signer {
			out = append(out, c)
		}
	}
	return out
}

// head returns the head of signer's log held, or zero Head if none.
func (h *harness) head(t *testing.T, signer string) store.Head {
	t.Helper()
	hd, err := h.st.LogHead(context.Background(), signer)
	if errors.Is(err, store.ErrNotFound) {
		return store.Head{}
	}
	if err != nil {
		t.Fatal(err)
	}
	return hd
}

// failed waits for the follower to log that catching up signer failed,
// stops it, and returns the error.
func (h *harness) failed(t *testing.T, signer string) error {
	t.Helper()
	waitFor(t, "a failed catch-up of "+signer, func() bool { return h.log.failure(signer) != nil })
	h.f.Close()
	return h.log.failure(signer)
}

func cids(bs ...logs.Block) []cid.Cid {
	var out []cid.Cid
	for _, b := range bs {
		out = append(out, b.CID)
	}
	return out
}

// TestFollowerWalksBackToWhatItHolds: news of head 5 of a log held up to 2
// fetches entries 5, 4 and 3 only, and ingests 3..5, oldest first.
func TestFollowerWalksBackToWhatItHolds(t *testing.T) {
	key := signtest.Key(t, 1)
	did := key.DID()
	chain := logN(t, key, 5)
	h := newHarness(t, 0, did)
	h.hold(t, chain[:2])
	h.blocks.serve(chain...)

	from := testPeer(t)
	h.f.Tell(logsync.News{Signer: did, Seq: 5, Head: chain[4].CID, From: from})
	waitFor(t, "LogsCaughtUp", func() bool { return len(h.caughtUp(did)) > 0 })

	if got, want := h.caughtUp(did), []events.LogsCaughtUp{{Signer: did, Added: 3}}; !slices.Equal(got, want) {
		t.Errorf("events = %+v, want %+v", got, want)
	}
	if got, want := h.blocks.askedFor(), cids(chain[4], chain[3], chain[2]); !slices.Equal(got, want) {
		t.Errorf("fetched %v, want entries 5, 4, 3: %v", got, want)
	}
	for i, p := range h.blocks.askedFrom() {
		if p != from {
			t.Errorf("fetch %d asked %s, want the peer that told of the head, %s", i, p, from)
		}
	}
	if got := h.ingests(); len(got) != 1 || !slices.Equal(got[0], []uint64{3, 4, 5}) {
		t.Errorf("ingested %v, want one chain [3 4 5]", got)
	}
	if hd := h.head(t, did); hd.Seq != 5 || !hd.CID.Equals(chain[4].CID) {
		t.Errorf("head = %d %s, want 5 %s", hd.Seq, hd.CID, chain[4].CID)
	}
	for _, b := range chain {
		if c, err := h.st.LogEntry(context.Background(), did, b.Entry.Seq); err != nil || !c.Equals(b.CID) {
			t.Errorf("entry %d = %s, %v; want %s", b.Entry.Seq, c, err, b.CID)
		}
	}
}

// TestFollowerRefusesAGap: entry 5 whose prev is an entry claiming seq 3 is
// refused before anything is ingested.
func TestFollowerRefusesAGap(t *testing.T) {
	key := signtest.Key(t, 2)
	did := key.DID()
	chain := logN(t, key, 3)
	skip := entry(t, key, 5, chain[2].CID, "0.5.0") // entry 4 is missing
	h := newHarness(t, 0, did)
	h.hold(t, chain[:2])
	h.blocks.serve(chain...)
	h.blocks.serve(skip)

	h.f.Tell(logsync.News{Signer: did, Seq: 5, Head: skip.CID, From: testPeer(t)})
	if err := h.failed(t, did); !errors.Is(err, logs.ErrBadLog) {
		t.Errorf("catch-up failed with %v, want ErrBadLog", err)
	}
	if got, want := h.blocks.askedFor(), cids(skip, chain[2]); !slices.Equal(got, want) {
		t.Errorf("fetched %v, want entry 5 and the entry its prev names: %v", got, want)
	}
	if got := h.ingests(); len(got) != 0 {
		t.Errorf("ingested %v, want nothing", got)
	}
	if hd := h.head(t, did); hd.Seq != 2 || !hd.CID.Equals(chain[1].CID) {
		t.Errorf("head = %d %s, want 2 %s", hd.Seq, hd.CID, chain[1].CID)
	}
	if got := h.caughtUp(did); len(got) != 0 {
		t.Errorf("events = %+v, want none", got)
	}
}

// TestWalkRefusesMoreThanMaxWalk: a catch-up's walk back from a head more
// than logs.MaxWalk entries beyond what the repo holds is refused once it has
// fetched that many. (Signing and checking 10,001 entries takes seconds.)
func TestWalkRefusesMoreThanMaxWalk(t *testing.T) {
	if testing.Short() {
		t.Skip("10,001 signed entries")
	}
	ctx := context.Background()
	key := signtest.Key(t, 7)
	did := key.DID()
	chain := logN(t, key, logs.MaxWalk+1)
	byCID := map[cid.Cid][]byte{}
	for _, b := range chain {
		byCID[b.CID] = b.Data
	}
	fetched := 0
	get := func(_ context.Context, c cid.Cid) ([]byte, error) {
		fetched++
		if d, ok := byCID[c]; ok {
			return d, nil
		}
		return nil, store.ErrNotFound
	}
	head := chain[len(chain)-1]
	got, err := logs.Walk(ctx, get, nil, did, head.CID, head.Entry.Seq, store.Head{}, time.Second)
	if !errors.Is(err, logs.ErrBadLog) || got != nil {
		t.Errorf("walk of %d entries = %d entries, %v; want ErrBadLog", len(chain), len(got), err)
	}
	if fetched != logs.MaxWalk {
		t.Errorf("fetched %d entries, want %d", fetched, logs.MaxWalk)
	}
}

// TestWalkTakesRuns: a walk takes entries from the runs a Range brings, in
// as few round trips as the runs allow, uses only the blocks its chain
// names (a run may carry anything that hashes to its CID), and when a run
// lacks the entry wanted, goes on one entry at a time without asking again.
func TestWalkTakesRuns(t *testing.T) {
	ctx := context.Background()
	key := signtest.Key(t, 8)
	did := key.DID()
	chain := logN(t, key, 12)
	junk := logN(t, signtest.Key(t, 9), 3) // entries of another log
	bySeq := map[uint64]logs.Block{}
	byCID := map[cid.Cid][]byte{}
	for _, b := range chain {
		bySeq[b.Entry.Seq] = b
		byCID[b.CID] = b.Data
	}
	held := store.Head{Seq: 2, CID: chain[1].CID}
	head := chain[len(chain)-1]
	for _, tc := range []struct {
		name          string
		run           func(from, count uint64) map[cid.Cid][]byte
		gets          int
		wantFromCount [][2]uint64
	}{
		{"runs of 4", func(from, count uint64) map[cid.Cid][]byte {
			out := map[cid.Cid][]byte{}
			for seq := from; seq > from-min(count, 4); seq-- {
				out[bySeq[seq].CID] = bySeq[seq].Data
			}
			for _, j := range junk {
				out[j.CID] = j.Data
			}
			return out
		}, 0, [][2]uint64{{12, 10}, {8, 6}, {4, 2}}},
		{"a run without the head", func(from, count uint64) map[cid.Cid][]byte {
			return map[cid.Cid][]byte{junk[0].CID: junk[0].Data}
		}, 10, [][2]uint64{{12, 10}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gets := 0
			get := func(_ context.Context, c cid.Cid) ([]byte, error) {
				gets++
				if d, ok := byCID[c]; ok {
					return d, nil
				}
				return nil, store.ErrNotFound
			}
			var asked [][2]uint64
			rng := func(_ context.Context, from, count uint64) (map[cid.Cid][]byte, error) {
				asked = append(asked, [2]uint64{from, count})
				return tc.run(from, count), nil
			}
			got, err := logs.Walk(ctx, get, rng, did, head.CID, head.Entry.Seq, held, time.Second)
			if err != nil || len(got) != 10 || !got[0].CID.Equals(chain[2].CID) || !got[9].CID.Equals(head.CID) {
				t.Fatalf("walk = %d entries, %v; want entries 3 to 12", len(got), err)
			}
			if gets != tc.gets || !slices.Equal(asked, tc.wantFromCount) {
				t.Errorf("%d single gets and runs %v, want %d and %v", gets, asked, tc.gets, tc.wantFromCount)
			}
		})
	}
}

// TestWalkLong: a long walk checks the chain back to what the repo holds,
// then hands it to ingest oldest first, in runs of at most
// dagstream.MaxLogEntries, each entry the one the chain named; with runs
// from a Range or one entry at a time. An ingest error ends it.
func TestWalkLong(t *testing.T) {
	ctx := context.Background()
	key := signtest.Key(t, 10)
	did := key.DID()
	chain := logN(t, key, dagstream.MaxLogEntries+10)
	bySeq := map[uint64]logs.Block{}
	byCID := map[cid.Cid][]byte{}
	for _, b := range chain {
		bySeq[b.Entry.Seq] = b
		byCID[b.CID] = b.Data
	}
	get := func(_ context.Context, c cid.Cid) ([]byte, error) {
		if d, ok := byCID[c]; ok {
			return d, nil
		}
		return nil, store.ErrNotFound
	}
	rng := func(_ context.Context, from, count uint64) (map[cid.Cid][]byte, error) {
		out := map[cid.Cid][]byte{}
		for seq := from; seq >= 1 && from-seq < count; seq-- {
			out[bySeq[seq].CID] = bySeq[seq].Data
		}
		return out, nil
	}
	held := store.Head{Seq: 3, CID: chain[2].CID}
	head := chain[len(chain)-1]
	for _, r := range []logs.Range{rng, nil} {
		var runs [][2]uint64 // first and last seq of each run ingested
		next := uint64(4)
		err := logs.WalkLong(ctx, get, r, did, head.CID, head.Entry.Seq, held, time.Second, func(_ context.Context, run []logs.Block) error {
			for _, b := range run {
				if b.Entry.Seq != next || !b.CID.Equals(bySeq[next].CID) {
					return fmt.Errorf("got entry %d (%s), want %d", b.Entry.Seq, b.CID, next)
				}
				next++
			}
			runs = append(runs, [2]uint64{run[0].Entry.Seq, run[len(run)-1].Entry.Seq})
			return nil
		})
		want := [][2]uint64{{4, dagstream.MaxLogEntries + 3}, {dagstream.MaxLogEntries + 4, head.Entry.Seq}}
		if err != nil || !slices.Equal(runs, want) {
			t.Errorf("range %v: runs %v, %v; want %v", r != nil, runs, err, want)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err := logs.WalkLong(ctx, get, rng, did, head.CID, head.Entry.Seq, held, time.Second, func(context.Context, []logs.Block) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("an ingest error: %v after %d runs, want it after 1", err, calls)
	}
}

// TestFollowerCatchesUpALongLog: news of a head more than logs.MaxWalk
// entries ahead is caught up in runs, each ingested in a Txn of its own.
// (Signing and checking 10,005 entries takes seconds.)
func TestFollowerCatchesUpALongLog(t *testing.T) {
	if testing.Short() {
		t.Skip("10,005 signed entries")
	}
	key := signtest.Key(t, 11)
	did := key.DID()
	chain := logN(t, key, logs.MaxWalk+5)
	h := newHarness(t, 0, did)
	h.blocks.serve(chain...)
	head := chain[len(chain)-1]
	h.f.Tell(logsync.News{Signer: did, Seq: head.Entry.Seq, Head: head.CID, From: testPeer(t)})
	// Two passes over 10,005 signed entries: seconds, far more under the
	// race detector (within the follower's one-minute FollowTimeout).
	waittest.Until(t, 2*time.Minute, "LogsCaughtUp", func() bool { return len(h.caughtUp(did)) > 0 })
	if hd := h.head(t, did); hd.Seq != head.Entry.Seq || !hd.CID.Equals(head.CID) {
		t.Fatalf("head = %d %s, want %d %s", hd.Seq, hd.CID, head.Entry.Seq, head.CID)
	}
	runs := h.ingests()
	if len(runs) != 3 {
		t.Fatalf("%d ingests, want 3 runs", len(runs))
	}
	for _, run := range runs {
		if len(run) > dagstream.MaxLogEntries {
			t.Errorf("a run of %d entries, limit %d", len(run), dagstream.MaxLogEntries)
		}
	}
	if got := h.caughtUp(did); got[0].Added != len(chain) {
		t.Errorf("events = %+v, want %d added", got, len(chain))
	}
}

// TestFollowerCatchUp: CatchUp returns once the log is held to the entry
// asked for, at once when it already is, with the catch-up's error when it
// fails, and with an error for a key the policy does not name.
func TestFollowerCatchUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key := signtest.Key(t, 12)
	did := key.DID()
	chain := logN(t, key, 4)
	h := newHarness(t, 0, did)
	h.blocks.serve(chain[1:]...) // entry 1 is not served yet
	news := func(seq int) logsync.News {
		return logsync.News{Signer: did, Seq: uint64(seq), Head: chain[seq-1].CID, From: testPeer(t)}
	}
	if err := h.f.CatchUp(ctx, news(4)); !errors.Is(err, errNotServed) {
		t.Fatalf("CatchUp with entry 1 nowhere: %v, want the catch-up's error", err)
	}
	h.blocks.serve(chain[0])
	if err := h.f.CatchUp(ctx, news(4)); err != nil {
		t.Fatalf("CatchUp: %v", err)
	}
	if hd := h.head(t, did); hd.Seq != 4 {
		t.Fatalf("head %d after CatchUp, want 4", hd.Seq)
	}
	asked := len(h.blocks.askedFor())
	if err := h.f.CatchUp(ctx, news(3)); err != nil || len(h.blocks.askedFor()) != asked {
		t.Errorf("CatchUp of a held entry: %v, %d more fetches; want nil and none", err, len(h.blocks.askedFor())-asked)
	}
	other := signtest.Key(t, 13).DID()
	if err := h.f.CatchUp(ctx, logsync.News{Signer: other, Seq: 1, Head: chain[0].CID}); err == nil || !strings.Contains(err.Error(), "not followed") {
		t.Errorf("CatchUp of a key the policy does not name: %v, want not followed", err)
	}
}

// TestFollowerRecordsAFork: news of another entry at a seq held, signed by
// the log's key, leaves a fork proof and the log as it was.
func TestFollowerRecordsAFork(t *testing.T) {
	key := signtest.Key(t, 3)
	did := key.DID()
	chain := logN(t, key, 3)
	fork := entry(t, key, 3, chain[1].CID, "6.6.6")
	h := newHarness(t, 0, did)
	h.hold(t, chain)
	h.blocks.serve(fork)

	h.f.Tell(logsync.News{Signer: did, Seq: 3, Head: fork.CID, From: testPeer(t)})
	waitFor(t, "LogsCaughtUp", func() bool { return len(h.caughtUp(did)) > 0 })

	if got, want := h.caughtUp(did), []events.LogsCaughtUp{{Signer: did, Evidence: 1}}; !slices.Equal(got, want) {
		t.Errorf("events = %+v, want %+v", got, want)
	}
	evs, err := h.st.AllEvidence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("evidence = %+v, want one fork proof", evs)
	}
	ev := evs[0]
	if ev.Kind != sign.EquivocationFork || ev.Signers != [2]string{did, did} || ev.Seqs != [2]uint64{3, 3} ||
		ev.Entries != [2]cid.Cid{chain[2].CID, fork.CID} {
		t.Errorf("evidence = %+v, want a fork of entry 3: %s and %s", ev, chain[2].CID, fork.CID)
	}
	if hd := h.head(t, did); hd.Seq != 3 || !hd.CID.Equals(chain[2].CID) {
		t.Errorf("head = %d %s, want 3 %s", hd.Seq, hd.CID, chain[2].CID)
	}
	if got, want := h.blocks.askedFor(), cids(fork); !slices.Equal(got, want) {
		t.Errorf("fetched %v, want the fork entry only: %v", got, want)
	}
}

// TestFollowerRefusesALyingPeer: a head the peer serves as something else
// than it claimed is refused, and nothing of it is stored. Each lie would
// otherwise be accepted: it follows what the repo holds.
func TestFollowerRefusesALyingPeer(t *testing.T) {
	key, other := signtest.Key(t, 4), signtest.Key(t, 5)
	did := key.DID()
	chain := logN(t, key, 6)
	held := chain[:5]
	e6 := chain[5]
	signedByOther := entry(t, other, 6, held[4].CID, "0.6.0")
	forged := entry(t, key, 6, held[4].CID, "6.6.6")
	for _, c := range []struct {
		name  string
		seq   uint64  // the seq the news claims
		head  cid.Cid // the CID it names
		serve []byte  // what the peer serves under head
		other cid.Cid // another CID whose block must not be stored
		want  error
	}{{
		name: "entry 6 named as head 7",
		seq:  7, head: e6.CID, serve: e6.Data,
		want: logs.ErrBadLog,
	}, {
		name:  "entry 6 signed by another key",
		seq:   6,
		head:  signedByOther.CID,
		serve: signedByOther.Data,
		want:  logs.ErrBadLog,
	}, {
		name: "bytes that do not hash to the head",
		seq:  6, head: e6.CID,
		serve: forged.Data,
		other: forged.CID,
		want:  dag.ErrHashMismatch,
	}} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, 0, did)
			h.hold(t, held)
			h.blocks.serve(chain...)
			h.blocks.lie(c.head, c.serve)

			h.f.Tell(logsync.News{Signer: did, Seq: c.seq, Head: c.head, From: testPeer(t)})
			if err := h.failed(t, did); !errors.Is(err, c.want) {
				t.Errorf("catch-up failed with %v, want %v", err, c.want)
			}
			if got := h.ingests(); len(got) != 0 {
				t.Errorf("ingested %v, want nothing", got)
			}
			if hd := h.head(t, did); hd.Seq != 5 || !hd.CID.Equals(held[4].CID) {
				t.Errorf("head = %d %s, want 5 %s", hd.Seq, hd.CID, held[4].CID)
			}
			for _, x := range []cid.Cid{c.head, c.other} {
				if !x.Defined() {
					continue
				}
				if _, err := h.st.Block(context.Background(), x); !store.IsNotFound(err) {
					t.Errorf("block %s: %v, want not found", x, err)
				}
			}
			if evs, err := h.st.AllEvidence(context.Background()); err != nil || len(evs) != 0 {
				t.Errorf("evidence = %+v, %v; want none", evs, err)
			}
		})
	}
}

// TestFollowerRejectsUnfollowedKeys: the head of a key the policy does not
// name is not followed, only its head entry fetched to say what it claims;
// once the policy names the key, PolicyChanged follows the head at once.
func TestFollowerRejectsUnfollowedKeys(t *testing.T) {
	key := signtest.Key(t, 6)
	did := key.DID()
	chain := logOf(t, key, "0.1.0", "0.2.0", "1.0.0")
	head := chain[2]
	h := newHarness(t, 0, signtest.Key(t, 7).DID())
	h.blocks.serve(chain...)
	from := testPeer(t)

	h.f.Tell(logsync.News{Signer: did, Seq: 3, Head: head.CID, From: from})
	var rj logsync.Rejection
	waitFor(t, "the rejection, with its claim", func() bool {
		for _, r := range h.f.Rejections() {
			if r.Signer == did && r.Claim != "" {
				rj = r
				return true
			}
		}
		return false
	})
	if rj.Seq != 3 || !rj.Head.Equals(head.CID) || rj.From != from.String() || rj.Claim != "acme/app@1.0.0" {
		t.Errorf("rejection = %+v, want entry 3 %s from %s claiming acme/app@1.0.0", rj, head.CID, from)
	}
	if got, want := h.blocks.askedFor(), cids(head); !slices.Equal(got, want) {
		t.Errorf("fetched %v, want the head entry only: %v", got, want)
	}
	if got := h.ingests(); len(got) != 0 {
		t.Errorf("ingested %v, want nothing", got)
	}
	if hd := h.head(t, did); hd.Seq != 0 {
		t.Errorf("head = %d, want no log", hd.Seq)
	}

	h.follows.set(did)
	h.f.PolicyChanged()
	waitFor(t, "LogsCaughtUp after the policy change", func() bool { return len(h.caughtUp(did)) > 0 })
	if got, want := h.caughtUp(did), []events.LogsCaughtUp{{Signer: did, Added: 3}}; !slices.Equal(got, want) {
		t.Errorf("events = %+v, want %+v", got, want)
	}
	if hd := h.head(t, did); hd.Seq != 3 || !hd.CID.Equals(head.CID) {
		t.Errorf("head = %d %s, want 3 %s", hd.Seq, hd.CID, head.CID)
	}
	if got, want := h.blocks.askedFor(), cids(head, chain[2], chain[1], chain[0]); !slices.Equal(got, want) {
		t.Errorf("fetched %v, want the probe of the head, then entries 3, 2, 1: %v", got, want)
	}
	for i, p := range h.blocks.askedFrom() {
		if p != from {
			t.Errorf("fetch %d asked %s, want %s", i, p, from)
		}
	}
	if got := h.f.Rejections(); len(got) != 0 {
		t.Errorf("rejections = %+v, want none once the key is followed", got)
	}
}

// TestFollowerCatchesUpLogsSeparately: while one log's catch-up is stalled
// on a peer, another worker catches up another log; news of the stalled log
// waits for its catch-up, and is followed after it.
func TestFollowerCatchesUpLogsSeparately(t *testing.T) {
	a, b := signtest.Key(t, 8), signtest.Key(t, 9)
	chainA, chainB := logN(t, a, 4), logN(t, b, 2)
	h := newHarness(t, 2, a.DID(), b.DID())
	h.blocks.serve(chainA...)
	h.blocks.serve(chainB...)
	release := h.blocks.gate(chainA[2].CID)
	t.Cleanup(release)
	from := testPeer(t)

	h.f.Tell(logsync.News{Signer: a.DID(), Seq: 3, Head: chainA[2].CID, From: from})
	waitFor(t, "the fetch of A's entry 3", func() bool { return slices.Contains(h.blocks.askedFor(), chainA[2].CID) })
	// News of A while A's catch-up is stalled, then news of B.
	h.f.Tell(logsync.News{Signer: a.DID(), Seq: 4, Head: chainA[3].CID, From: from})
	h.f.Tell(logsync.News{Signer: b.DID(), Seq: 2, Head: chainB[1].CID, From: from})
	waitFor(t, "B caught up while A is stalled", func() bool { return len(h.caughtUp(b.DID())) == 1 })
	if hd := h.head(t, b.DID()); hd.Seq != 2 || !hd.CID.Equals(chainB[1].CID) {
		t.Errorf("B's head = %d %s, want 2 %s", hd.Seq, hd.CID, chainB[1].CID)
	}
	if hd := h.head(t, a.DID()); hd.Seq != 0 {
		t.Fatalf("A's head = %d while its catch-up is stalled", hd.Seq)
	}
	if slices.Contains(h.blocks.askedFor(), chainA[3].CID) {
		t.Errorf("A's head 4 was fetched while A's catch-up to 3 was under way")
	}

	release()
	waitFor(t, "A's second catch-up", func() bool { return len(h.caughtUp(a.DID())) == 2 })
	if hd := h.head(t, a.DID()); hd.Seq != 4 || !hd.CID.Equals(chainA[3].CID) {
		t.Errorf("A's head = %d %s, want 4 %s", hd.Seq, hd.CID, chainA[3].CID)
	}
	if got, want := h.caughtUp(a.DID()), []events.LogsCaughtUp{{Signer: a.DID(), Added: 3}, {Signer: a.DID(), Added: 1}}; !slices.Equal(got, want) {
		t.Errorf("A's events = %+v, want %+v", got, want)
	}
	if got, want := h.caughtUp(b.DID()), []events.LogsCaughtUp{{Signer: b.DID(), Added: 2}}; !slices.Equal(got, want) {
		t.Errorf("B's events = %+v, want %+v", got, want)
	}
}

// TestFollowerKeepsRejectionsOfKeysStillUnfollowed: a policy change that
// names one key follows its head, and keeps what was found of the heads of
// the keys it still does not name, without fetching them again.
func TestFollowerKeepsRejectionsOfKeysStillUnfollowed(t *testing.T) {
	keys := []*sign.Key{signtest.Key(t, 10), signtest.Key(t, 11), signtest.Key(t, 12)}
	h := newHarness(t, 0)
	from := testPeer(t)
	var heads []logs.Block
	for i, k := range keys {
		b := logOf(t, k, fmt.Sprintf("%d.0.0", i+1))[0]
		heads = append(heads, b)
		h.blocks.serve(b)
		// One at a time: a head heard while both probes are busy is
		// remembered without its claim.
		h.f.Tell(logsync.News{Signer: k.DID(), Seq: 1, Head: b.CID, From: from})
		waitFor(t, "the rejection of key "+fmt.Sprint(i), func() bool {
			return slices.ContainsFunc(h.f.Rejections(), func(rj logsync.Rejection) bool { return rj.Signer == k.DID() && rj.Claim != "" })
		})
	}
	claims := func() map[string]string {
		out := map[string]string{}
		for _, rj := range h.f.Rejections() {
			out[rj.Signer] = rj.Claim
		}
		return out
	}
	still := map[string]string{keys[1].DID(): "acme/app@2.0.0", keys[2].DID(): "acme/app@3.0.0"}

	h.follows.set(keys[0].DID())
	h.f.PolicyChanged()
	if got := claims(); !maps.Equal(got, still) {
		t.Errorf("right after the policy change, rejections = %v, want %v", got, still)
	}
	waitFor(t, "LogsCaughtUp of the key now followed", func() bool { return len(h.caughtUp(keys[0].DID())) > 0 })
	if got := claims(); !maps.Equal(got, still) {
		t.Errorf("rejections = %v, want %v", got, still)
	}
	if got, want := h.blocks.askedFor(), cids(heads[0], heads[1], heads[2], heads[0]); !slices.Equal(got, want) {
		t.Errorf("fetched %v, want each head probed once, then the followed head: %v", got, want)
	}
}

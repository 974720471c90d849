package mirror_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/mirror"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/store/storetest"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
)

// retry is the Retry the fixtures' mirrors run with: the first backoff.
const retry = 10 * time.Second

// mirrorKeyName names the repo's key that countersigns in the fixtures.
const mirrorKeyName = "mirror"

// fixture is a Mirrorer's world without a network: a real store holding
// publisher logs, rules kept in it, a policy the test edits, a fake clock,
// and fakes for fetching and countersigning that record their calls.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	st     *store.Store
	state  *countingState
	rules  *mirror.Rules
	clock  *clock
	fetch  *fetcher
	signer *countersigner
	remove *remover
	counts *counter

	// mirrorKey is the repo's key that KeyDID names mirrorKeyName.
	mirrorKey *sign.Key

	mu      sync.Mutex
	pol     *sign.Policy
	keyDIDs map[string]string
	asked   []string // the key names KeyDID was asked for
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := storetest.New(t)
	state := &countingState{StateStore: st}
	clk := &clock{now: dagtest.Time()}
	mk := signtest.Key(t, 99)
	f := &fixture{
		t: t, ctx: t.Context(), st: st, state: state, rules: mirror.NewRules(state), clock: clk,
		fetch:     &fetcher{st: st, closures: map[cid.Cid][]block{}, fail: map[string]error{}, only: map[string][]store.PinKind{}},
		counts:    &counter{n: map[string]int{}},
		mirrorKey: mk,
		pol:       &sign.Policy{Version: sign.PolicyVersion},
		keyDIDs:   map[string]string{mirrorKeyName: mk.DID()},
	}
	f.signer = &countersigner{st: st, key: mk, now: clk.Now, fail: map[cid.Cid]error{}}
	f.remove = &remover{st: st, refuse: map[cid.Cid]error{}}
	return f
}

// mirrorer returns a Mirrorer over the fixture, with Retry retry; edit
// changes its Config first.
func (f *fixture) mirrorer(edit ...func(*mirror.Config)) *mirror.Mirrorer {
	cfg := mirror.Config{
		Rules: f.rules, Store: f.st, Policy: f.policy, Fetch: f.fetch.Fetch,
		KeyDID: f.keyDID, Sign: f.signer.Sign, Remove: f.remove.Remove, Count: f.counts.count, Now: f.clock.Now, Retry: retry,
	}
	for _, e := range edit {
		e(&cfg)
	}
	return mirror.New(cfg)
}

// pass runs one pass of m and fails the test if it errs.
func (f *fixture) pass(m *mirror.Mirrorer) {
	f.t.Helper()
	if err := m.Pass(f.ctx); err != nil {
		f.t.Fatalf("Pass: %v", err)
	}
}

// trust makes the policy trust keys for pattern.
func (f *fixture) trust(pattern string, keys ...*sign.Key) {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		if err := f.pol.AddKey(sign.Pattern(pattern), k.DID(), 0, nil); err != nil {
			f.t.Fatalf("trust %s for %s: %v", k.DID(), pattern, err)
		}
	}
}

func (f *fixture) policy() (*sign.Policy, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := *f.pol
	p.Rules = slices.Clone(p.Rules)
	return &p, nil
}

// setKeyDID makes KeyDID return did for the key named name.
func (f *fixture) setKeyDID(name, did string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keyDIDs[name] = did
}

func (f *fixture) keyDID(name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, name)
	did, ok := f.keyDIDs[name]
	if !ok {
		return "", fmt.Errorf("no key named %q", name)
	}
	return did, nil
}

func (f *fixture) keysAsked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.asked)
}

// addRule adds a mirror rule.
func (f *fixture) addRule(r mirror.Rule) {
	f.t.Helper()
	if err := f.rules.Add(f.ctx, r); err != nil {
		f.t.Fatalf("add rule %s: %v", r.Pattern, err)
	}
}

// rule returns the rule for pattern as stored.
func (f *fixture) rule(pattern string) mirror.Rule {
	f.t.Helper()
	rules, err := f.rules.List(f.ctx)
	if err != nil {
		f.t.Fatalf("list rules: %v", err)
	}
	for _, r := range rules {
		if r.Pattern == sign.Pattern(pattern) {
			return r
		}
	}
	f.t.Fatalf("no rule for %s in %+v", pattern, rules)
	return mirror.Rule{}
}

// published is an entry a fixture appended to a publisher's log.
type published struct {
	Ref        dag.Ref
	Seq        uint64
	Package    cid.Cid
	Metadata   []cid.Cid
	Signatures []cid.Cid
}

// publish appends to key's log the entry naming a package as ref, with
// metas metadata sets and one signature on each, and tells the fake fetch
// what the package's closure is: the package node, the sets and the
// signatures (stand-in blocks whose bytes are their label).
func (f *fixture) publish(key *sign.Key, ref string, metas int) published {
	f.t.Helper()
	r, err := dag.ParseRef(ref)
	if err != nil {
		f.t.Fatal(err)
	}
	data, pkg := dagtest.MustEncode(f.t, dagtest.Package(f.t, r.Name.String(), r.Version, []byte(ref+" by "+key.DID())))
	p := published{Ref: r, Package: pkg}
	closure := []block{{pkg, data, store.PinPackage}}
	for i := range metas {
		label := fmt.Sprintf("metadata %d of %s by %s", i, ref, key.DID())
		m := dagtest.NodeCID(f.t, label)
		closure = append(closure, block{m, []byte(label), store.PinMetadata})
		p.Metadata = append(p.Metadata, m)
		label = "signature on " + label
		s := dagtest.NodeCID(f.t, label)
		closure = append(closure, block{s, []byte(label), store.PinSignature})
		p.Signatures = append(p.Signatures, s)
	}
	tx, err := f.st.Begin(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	defer tx.Abort(f.ctx)
	app, err := logs.Append(f.ctx, f.st, tx, key, r, pkg, p.Metadata, p.Signatures, f.clock.Now())
	if err != nil {
		f.t.Fatalf("append %s to the log of %s: %v", ref, key.DID(), err)
	}
	if err := tx.Commit(f.ctx); err != nil {
		f.t.Fatal(err)
	}
	p.Seq = app.Entry.Seq
	f.fetch.mu.Lock()
	f.fetch.closures[pkg] = closure
	f.fetch.mu.Unlock()
	return p
}

// countersigned stores k's signature in role on meta, as a referrer of meta.
func (f *fixture) countersigned(k *sign.Key, meta cid.Cid, role string) {
	f.t.Helper()
	if err := storeSignature(f.ctx, f.st, k, meta, role, f.clock.Now()); err != nil {
		f.t.Fatal(err)
	}
}

// dispute stores a proof that keys a and b name different packages as ref.
func (f *fixture) dispute(ref string, a, b *sign.Key) {
	f.t.Helper()
	r, err := dag.ParseRef(ref)
	if err != nil {
		f.t.Fatal(err)
	}
	tx, err := f.st.Begin(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	defer tx.Abort(f.ctx)
	tx.AddEvidence(store.Evidence{
		Kind: sign.EquivocationConflict, Name: r.Name.String(), Version: r.Version,
		Signers:  [2]string{a.DID(), b.DID()},
		Seqs:     [2]uint64{1, 1},
		Entries:  [2]cid.Cid{dagtest.NodeCID(f.t, "entry a of "+ref), dagtest.NodeCID(f.t, "entry b of "+ref)},
		Packages: [2]cid.Cid{dagtest.NodeCID(f.t, "package a of "+ref), dagtest.NodeCID(f.t, "package b of "+ref)},
		Detected: f.clock.Now(),
	})
	if err := tx.Commit(f.ctx); err != nil {
		f.t.Fatal(err)
	}
}

// storeSignature commits k's signature in role on meta, referring to meta,
// as publish.Publisher.Sign does.
func storeSignature(ctx context.Context, st *store.Store, k *sign.Key, meta cid.Cid, role string, now time.Time) error {
	s, err := sign.Sign(k, meta, role, now)
	if err != nil {
		return err
	}
	data, c, err := s.Encode()
	if err != nil {
		return err
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Abort(ctx)
	if err := tx.PutNode(ctx, c, data); err != nil {
		return err
	}
	tx.AddReferrer(meta, c, dag.NodeSignature)
	tx.Pin(c, store.PinSignature)
	return tx.Commit(ctx)
}

// refs returns the refs the calls were made for, as strings.
func refs(calls []fetchCall) []string {
	out := []string{}
	for _, c := range calls {
		out = append(out, c.Ref.String())
	}
	return out
}

// block is a node of a package's closure and how a fetch pins it.
type block struct {
	c    cid.Cid
	data []byte
	kind store.PinKind
}

type fetchCall struct {
	Package  cid.Cid
	Ref      dag.Ref
	Deadline time.Time // of the fetch's context; zero if none
}

// fetcher is a fake Config.Fetch: it records each call and, unless told to
// fail for the ref, stores and pins the package's closure in a Txn.
type fetcher struct {
	st *store.Store

	mu       sync.Mutex
	closures map[cid.Cid][]block
	fail     map[string]error           // ref -> error returned, nothing pinned
	only     map[string][]store.PinKind // ref -> the kinds pinned, the others left out
	calls    []fetchCall
	called   chan fetchCall // if set, told of each call
}

// failWith makes fetches of ref fail with err; nil makes them succeed.
func (f *fetcher) failWith(ref string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.fail, ref)
	} else {
		f.fail[ref] = err
	}
}

// pinOnly makes fetches of ref succeed while storing and pinning only the
// nodes of its closure of these kinds (none: nothing).
func (f *fetcher) pinOnly(ref string, kinds ...store.PinKind) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.only[ref] = append([]store.PinKind{}, kinds...)
}

// pinAll makes fetches of ref store and pin all of its closure again.
func (f *fetcher) pinAll(ref string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.only, ref)
}

func (f *fetcher) Calls() []fetchCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fetcher) Fetch(ctx context.Context, c cid.Cid, ref dag.Ref) error {
	call := fetchCall{Package: c, Ref: ref}
	call.Deadline, _ = ctx.Deadline()
	f.mu.Lock()
	f.calls = append(f.calls, call)
	err := f.fail[ref.String()]
	closure := f.closures[c]
	kinds, partial := f.only[ref.String()]
	called := f.called
	f.mu.Unlock()
	if called != nil {
		defer func() { called <- call }()
	}
	if err != nil {
		return err
	}
	if closure == nil {
		return fmt.Errorf("no peer has package %s", c)
	}
	tx, err := f.st.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Abort(ctx)
	for _, b := range closure {
		if partial && !slices.Contains(kinds, b.kind) {
			continue
		}
		if err := tx.PutNode(ctx, b.c, b.data); err != nil {
			return err
		}
		tx.Pin(b.c, b.kind)
		if b.kind == store.PinPackage {
			tx.SetVersion(ref, b.c)
		}
	}
	return tx.Commit(ctx)
}

type removeCall struct {
	Package cid.Cid
	Rule    sign.Pattern
}

// remover is a fake Config.Remove: it records each call and, unless told
// to refuse the package, unpins it and drops its names index entry.
type remover struct {
	st *store.Store

	mu     sync.Mutex
	refuse map[cid.Cid]error
	calls  []removeCall
}

func (r *remover) refuseWith(c cid.Cid, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		delete(r.refuse, c)
	} else {
		r.refuse[c] = err
	}
}

func (r *remover) Calls() []removeCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func (r *remover) Remove(ctx context.Context, c cid.Cid, rule sign.Pattern) error {
	r.mu.Lock()
	r.calls = append(r.calls, removeCall{c, rule})
	err := r.refuse[c]
	r.mu.Unlock()
	if err != nil {
		return err
	}
	pkg, err := r.st.Package(ctx, c)
	if err != nil {
		return err
	}
	return r.st.Remove(ctx, store.Removal{Pins: []cid.Cid{c}, Names: []dag.Ref{pkg.Ref()}})
}

type signCall struct {
	Meta cid.Cid
	Key  string
}

// countersigner is a fake Config.Sign: it records each call and, unless
// told to fail for the set, stores key's mirror signature on it.
type countersigner struct {
	st  *store.Store
	key *sign.Key
	now func() time.Time

	mu    sync.Mutex
	fail  map[cid.Cid]error
	calls []signCall
}

func (s *countersigner) failWith(meta cid.Cid, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, meta)
	} else {
		s.fail[meta] = err
	}
}

func (s *countersigner) Calls() []signCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

func (s *countersigner) Sign(ctx context.Context, meta cid.Cid, key string) error {
	s.mu.Lock()
	s.calls = append(s.calls, signCall{meta, key})
	err := s.fail[meta]
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return storeSignature(ctx, s.st, s.key, meta, dag.RoleMirror, s.now())
}

// clock is a fake Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// counter is a fake Config.Count.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) count(result string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[result]++
}

func (c *counter) get() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.n)
}

// countingState is a StateStore that counts its writes.
type countingState struct {
	mirror.StateStore
	mu     sync.Mutex
	writes int
}

func (s *countingState) PutState(ctx context.Context, name string, v []byte) error {
	s.mu.Lock()
	s.writes++
	s.mu.Unlock()
	return s.StateStore.PutState(ctx, name, v)
}

// reset returns the writes counted since the last reset.
func (s *countingState) reset() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.writes
	s.writes = 0
	return n
}

// correct appends e, a yank, unyank, rotation (countersigned by next) or
// revocation, to key's log.
func (f *fixture) correct(key, next *sign.Key, e *dag.LogEntry) {
	f.t.Helper()
	tx, err := f.st.Begin(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	defer tx.Abort(f.ctx)
	e.Created = f.clock.Now()
	if _, err := logs.AppendEvent(f.ctx, f.st, tx, key, next, e); err != nil {
		f.t.Fatalf("append a %s entry to the log of %s: %v", e.Kind, key.DID(), err)
	}
	if err := tx.Commit(f.ctx); err != nil {
		f.t.Fatal(err)
	}
}

package trust_test

import (
	"context"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/store/storetest"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
)

// world is a repo's store and the publishers whose logs it ingests, each
// key signing in a store of its own.
type world struct {
	t    *testing.T
	st   *store.Store
	keys map[int]*sign.Key
	srcs map[int]*store.Store
	sigs map[cid.Cid]cid.Cid // signature made for each claim, by entry
}

func newWorld(t *testing.T) *world {
	return &world{t: t, st: storetest.New(t), keys: map[int]*sign.Key{}, srcs: map[int]*store.Store{}, sigs: map[cid.Cid]cid.Cid{}}
}

func (w *world) key(i int) *sign.Key {
	if w.keys[i] == nil {
		w.keys[i] = signtest.Key(w.t, byte(i))
		w.srcs[i] = storetest.New(w.t)
	}
	return w.keys[i]
}

// claim makes key i's log name pkg as ref, with a signature in role (held
// by the repo when hold), and ingests the new entry into the repo.
func (w *world) claim(i int, ref dag.Ref, pkg cid.Cid, role string, hold bool) {
	w.t.Helper()
	ctx := context.Background()
	k := w.key(i)
	src := w.srcs[i]
	meta := dagtest.NodeCID(w.t, "meta of "+pkg.String())
	s, err := sign.Sign(k, meta, role, dagtest.Time())
	if err != nil {
		w.t.Fatal(err)
	}
	sdata, sc := dagtest.MustEncode(w.t, s)
	tx, err := src.Begin(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	defer tx.Abort(ctx)
	app, err := logs.Append(ctx, src, tx, k, ref, pkg, []cid.Cid{meta}, []cid.Cid{sc}, dagtest.Time())
	if err != nil {
		w.t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		w.t.Fatal(err)
	}
	w.ingest(i, app.Entry.Seq)
	if hold {
		w.put(sc, sdata)
	}
}

// fork makes key i sign its next claims in a new copy of its log, as a
// second machine holding the key would: its entries fork the first copy's.
func (w *world) fork(i int) {
	w.key(i)
	w.srcs[i] = storetest.New(w.t)
}

// ingest brings entries up to seq of key i's log into the repo.
func (w *world) ingest(i int, seq uint64) {
	w.t.Helper()
	ctx := context.Background()
	did := w.key(i).DID()
	var chain []logs.Block
	for s := uint64(1); s <= seq; s++ {
		c, err := w.srcs[i].LogEntry(ctx, did, s)
		if err != nil {
			w.t.Fatal(err)
		}
		data, err := w.srcs[i].Block(ctx, c)
		if err != nil {
			w.t.Fatal(err)
		}
		b, err := logs.Check(c, data, did)
		if err != nil {
			w.t.Fatal(err)
		}
		chain = append(chain, b)
	}
	if _, err := logs.Ingest(ctx, w.st, chain); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) put(c cid.Cid, data []byte) {
	w.t.Helper()
	ctx := context.Background()
	tx, err := w.st.Begin(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	defer tx.Abort(ctx)
	if err := tx.PutNode(ctx, c, data); err != nil {
		w.t.Fatal(err)
	}
	tx.Pin(c, store.PinSignature)
	if err := tx.Commit(ctx); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) policy(threshold int, roles []string, keys ...int) *sign.Policy {
	r := sign.Rule{Pattern: "acme/*", Threshold: threshold, Roles: roles}
	for _, i := range keys {
		r.Keys = append(r.Keys, w.key(i).DID())
	}
	return &sign.Policy{Version: sign.PolicyVersion, Rules: []sign.Rule{r}}
}

// TestThresholdsBindResolution is the table of docs/trust.md §5.
func TestThresholdsBindResolution(t *testing.T) {
	ref, _ := dag.ParseRef("acme/app@1.0.0")
	p, q := dagtest.NodeCID(t, "honest"), dagtest.NodeCID(t, "rival")
	type claim struct {
		key  int
		pkg  cid.Cid
		role string
		fork bool // from another copy of the key's log: a fork
	}
	pub := dag.RolePublisher
	tests := []struct {
		name      string
		threshold int
		roles     []string
		keys      []int // the rule's
		claims    []claim
		status    trust.VersionStatus
		pkg       cid.Cid
		disputes  bool // proofs that the version is disputed
		evidence  bool // proofs against single keys shown
	}{
		{"one key meets 1 of 1", 1, nil, []int{1}, []claim{{1, p, pub, false}}, trust.VersionTrusted, p, false, false},
		{"2 of 3: two keys meet it", 2, nil, []int{1, 2, 3}, []claim{{1, p, pub, false}, {2, p, pub, false}}, trust.VersionTrusted, p, false, false},
		{"2 of 3: one key alone does not", 2, nil, []int{1, 2, 3}, []claim{{1, p, pub, false}}, trust.VersionUntrusted, cid.Undef, false, false},
		{"2 of 3: a rival by one key is evidence, not a dispute", 2, nil, []int{1, 2, 3},
			[]claim{{1, p, pub, false}, {2, p, pub, false}, {3, q, pub, false}}, trust.VersionTrusted, p, false, true},
		{"2 of 3: the rival first changes nothing", 2, nil, []int{1, 2, 3},
			[]claim{{3, q, pub, false}, {1, p, pub, false}, {2, p, pub, false}}, trust.VersionTrusted, p, false, true},
		{"2 of 3: two rivals each meeting it are an equivocation of the rule", 2, nil, []int{1, 2, 3, 4},
			[]claim{{1, p, pub, false}, {2, p, pub, false}, {3, q, pub, false}, {4, q, pub, false}}, trust.VersionEquivocation, cid.Undef, true, false},
		{"1 of 1: the key's fork is an equivocation", 1, nil, []int{1}, []claim{{1, p, pub, false}, {1, q, pub, true}}, trust.VersionEquivocation, cid.Undef, true, false},
		{"2 of 3: one key's fork is evidence against it", 2, nil, []int{1, 2, 3},
			[]claim{{1, p, pub, false}, {2, p, pub, false}, {2, q, pub, true}}, trust.VersionTrusted, p, false, true},
		{"1 of 2: a second key's rival is an equivocation", 1, nil, []int{1, 2}, []claim{{1, p, pub, false}, {2, q, pub, false}}, trust.VersionEquivocation, cid.Undef, true, false},
		{"keys outside the rule do not count", 1, nil, []int{1}, []claim{{1, p, pub, false}, {9, q, pub, false}}, trust.VersionTrusted, p, false, false},
		{"roles: a claim signed in a role the rule refuses does not count", 1, []string{pub}, []int{1, 2},
			[]claim{{1, p, pub, false}, {2, q, dag.RoleAuditor, false}}, trust.VersionTrusted, p, false, true},
		{"roles: only refused roles", 1, []string{pub}, []int{1}, []claim{{1, p, dag.RoleAuditor, false}}, trust.VersionUntrusted, cid.Undef, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			for _, c := range tt.claims {
				if c.fork {
					w.fork(c.key)
				}
				w.claim(c.key, ref, c.pkg, c.role, true)
			}
			pol := w.policy(tt.threshold, tt.roles, tt.keys...)
			v, err := trust.ResolveVersion(context.Background(), w.st, pol, ref)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", v.Status, v.Reason, tt.status)
			}
			if tt.pkg.Defined() && (v.Package == nil || !v.Package.Equals(tt.pkg)) {
				t.Errorf("resolves to %v, want %s", v.Package, tt.pkg)
			}
			if !tt.pkg.Defined() && v.Package != nil {
				t.Errorf("resolves to %s, want nothing", v.Package)
			}
			if (len(v.Equivocations) > 0) != tt.disputes {
				t.Errorf("disputes %+v, want some: %v", v.Equivocations, tt.disputes)
			}
			if (len(v.Evidence) > 0) != tt.evidence {
				t.Errorf("evidence %+v, want some: %v", v.Evidence, tt.evidence)
			}
			disputes, _, err := trust.Disputes(context.Background(), w.st, pol, ref)
			if err != nil || (len(disputes) > 0) != tt.disputes {
				t.Errorf("Disputes = %d, %v; want some: %v", len(disputes), err, tt.disputes)
			}
			_, err = trust.ResolveRef(context.Background(), w.st, pol, ref)
			if (err == nil) != (tt.status == trust.VersionTrusted) {
				t.Errorf("ResolveRef: %v", err)
			}
		})
	}
}

// TestDisputeWithoutAProofBetweenThem: two packages that each meet the rule
// dispute the name even when no stored proof pairs them (each was recorded
// against a claim of a key outside the rule): Disputes, which verification
// reads, still returns a proof between them.
func TestDisputeWithoutAProofBetweenThem(t *testing.T) {
	ctx := context.Background()
	ref, _ := dag.ParseRef("acme/app@1.0.0")
	p, q, r := dagtest.NodeCID(t, "honest"), dagtest.NodeCID(t, "rival"), dagtest.NodeCID(t, "outsider's")
	w := newWorld(t)
	// Key 8's DID sorts before key 1's: the claim of q is recorded against
	// the outsider's claim of r, the first held, not against p.
	w.claim(8, ref, r, dag.RolePublisher, true)
	w.claim(1, ref, p, dag.RolePublisher, true)
	w.claim(2, ref, q, dag.RolePublisher, true)
	pol := w.policy(1, nil, 1, 2)

	evs, err := w.st.AllEvidence(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if pq := []cid.Cid{ev.Packages[0], ev.Packages[1]}; (pq[0].Equals(p) || pq[1].Equals(p)) && (pq[0].Equals(q) || pq[1].Equals(q)) {
			t.Fatalf("setup: a stored proof pairs p and q: %+v", ev)
		}
	}
	v, err := trust.ResolveVersion(ctx, w.st, pol, ref)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != trust.VersionEquivocation || v.Package != nil {
		t.Fatalf("status %s, package %v; want an equivocation that resolves to nothing", v.Status, v.Package)
	}
	disputes, _, err := trust.Disputes(ctx, w.st, pol, ref)
	if err != nil || len(disputes) != 1 {
		t.Fatalf("Disputes = %+v, %v; want one proof between p and q", disputes, err)
	}
	if got := disputes[0].Packages; got != [2]cid.Cid{p, q} && got != [2]cid.Cid{q, p} {
		t.Errorf("dispute between %v, want %s and %s", got, p, q)
	}
}

// TestLogged: a signature counts as logged only if its signer's log, as
// held, names it for that package.
func TestLogged(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	ref, _ := dag.ParseRef("acme/app@1.0.0")
	pkg := dagtest.Package(t, "acme/app", "1.0.0", []byte("x"))
	pdata, pc := dagtest.MustEncode(t, pkg)
	w.put(pc, pdata)
	w.claim(1, ref, pc, dag.RolePublisher, true)
	entry, err := w.st.LogEntry(ctx, w.key(1).DID(), 1)
	if err != nil {
		t.Fatal(err)
	}
	e, err := logs.Entry(ctx, w.st, entry)
	if err != nil {
		t.Fatal(err)
	}
	sig := e.Signatures[0]
	for _, tc := range []struct {
		name   string
		signer string
		pkg    cid.Cid
		sig    cid.Cid
		want   bool
	}{
		{"named", w.key(1).DID(), pc, sig, true},
		{"another signer's log", w.key(2).DID(), pc, sig, false},
		{"another signature", w.key(1).DID(), pc, dagtest.NodeCID(t, "other"), false},
		{"another package", w.key(1).DID(), dagtest.NodeCID(t, "pkg"), sig, false},
	} {
		got, err := trust.Logged(ctx, w.st, tc.signer, tc.pkg, tc.sig)
		if err != nil || (got == sign.Logged) != tc.want {
			t.Errorf("%s: Logged = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

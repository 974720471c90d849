package trust_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// event appends e to key i's log (countersigned by key next for a
// rotation) and ingests the log into the repo.
func (w *world) event(i int, e *dag.LogEntry, next int) {
	w.t.Helper()
	ctx := context.Background()
	k := w.key(i)
	var nk *sign.Key
	if next != 0 {
		nk = w.key(next)
	}
	tx, err := w.srcs[i].Begin(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	defer tx.Abort(ctx)
	if e.Created.IsZero() {
		e.Created = dagtest.Time()
	}
	app, err := logs.AppendEvent(ctx, w.srcs[i], tx, k, nk, e)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		w.t.Fatal(err)
	}
	w.ingest(i, app.Entry.Seq)
}

// rotate appends key i's rotation to key next.
func (w *world) rotate(i, next int) {
	w.event(i, &dag.LogEntry{Kind: dag.KindRotate, Key: w.key(next).DID()}, next)
}

// yank appends key i's yank of ref (unyank when pkg is undefined), made
// minutes after dagtest.Time().
func (w *world) yank(i int, ref dag.Ref, pkg cid.Cid, reason string, minutes int) {
	e := &dag.LogEntry{Kind: dag.KindUnyank, Name: ref.Name, Version: ref.Version, Reason: reason,
		Created: dagtest.Time().Add(time.Duration(minutes) * time.Minute)}
	if pkg.Defined() {
		e.Kind, e.Package = dag.KindYank, pkg
	}
	w.event(i, e, 0)
}

// revoke gives the repo a revocation of key i from seq since on, as gossip
// or an import would.
func (w *world) revoke(i int, since uint64) {
	w.t.Helper()
	ctx := context.Background()
	r := &dag.Revocation{Since: since, Reason: "key compromised", Created: dagtest.Time()}
	if err := sign.SignRevocation(w.key(i), r); err != nil {
		w.t.Fatal(err)
	}
	data, c, err := r.Encode()
	if err != nil {
		w.t.Fatal(err)
	}
	tx, err := w.st.Begin(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	defer tx.Abort(ctx)
	if err := tx.PutNode(ctx, c, data); err != nil {
		w.t.Fatal(err)
	}
	tx.AddRevocation(r, c)
	if err := tx.Commit(ctx); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) effective(pol *sign.Policy) (*sign.Policy, map[string]trust.Origin) {
	w.t.Helper()
	eff, origins, err := trust.Effective(context.Background(), w.st, pol)
	if err != nil {
		w.t.Fatal(err)
	}
	return eff, origins
}

func (w *world) resolve(pol *sign.Policy, ref dag.Ref) *trust.VersionView {
	w.t.Helper()
	eff, _ := w.effective(pol)
	v, err := trust.ResolveVersion(context.Background(), w.st, eff, ref)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

var app100, app101 = mustRef("acme/app@1.0.0"), mustRef("acme/app@1.0.1")

func mustRef(s string) dag.Ref {
	r, err := dag.ParseRef(s)
	if err != nil {
		panic(err)
	}
	return r
}

// TestRotationChain: a policy naming key 1 trusts key 2 after 1 rotated to
// it, and key 3 after 2 rotated on, each with the entry that brought it in.
func TestRotationChain(t *testing.T) {
	w := newWorld(t)
	pol := w.policy(1, nil, 1)
	p := dagtest.NodeCID(t, "p")
	w.claim(3, app100, p, dag.RolePublisher, true)
	if v := w.resolve(pol, app100); v.Status != trust.VersionUntrusted {
		t.Fatalf("before any rotation: %s, want untrusted", v.Status)
	}
	w.rotate(1, 2)
	w.rotate(2, 3)
	eff, origins := w.effective(pol)
	if got := eff.Rules[0].Keys; len(got) != 3 || got[1] != w.key(2).DID() || got[2] != w.key(3).DID() {
		t.Fatalf("effective keys %v, want keys 1, 2, 3", got)
	}
	if o := origins[w.key(3).DID()]; o.From != w.key(2).DID() || !o.Entry.Defined() {
		t.Errorf("origin of key 3: %+v, want the rotation in key 2's log", o)
	}
	if pol.Rules[0].Keys[0] != w.key(1).DID() || len(pol.Rules[0].Keys) != 1 {
		t.Errorf("Effective changed the policy itself: %v", pol.Rules[0].Keys)
	}
	if v := w.resolve(pol, app100); v.Status != trust.VersionTrusted {
		t.Errorf("key 3's release after the rotations: %s (%s), want trusted", v.Status, v.Reason)
	}
}

// TestRotationRefused: a rotation to a key the repo holds a revocation of,
// or one made after the old key's revocation, brings no key in.
func TestRotationRefused(t *testing.T) {
	t.Run("to a revoked key", func(t *testing.T) {
		w := newWorld(t)
		w.revoke(2, 1)
		w.rotate(1, 2)
		if eff, _ := w.effective(w.policy(1, nil, 1)); len(eff.Rules[0].Keys) != 1 {
			t.Errorf("effective keys %v, want key 1 only", eff.Rules[0].Keys)
		}
	})
	t.Run("after the old key's revocation", func(t *testing.T) {
		w := newWorld(t)
		w.claim(1, app100, dagtest.NodeCID(t, "p"), dag.RolePublisher, true) // seq 1
		w.revoke(1, 2)
		w.rotate(1, 2) // seq 2: made with the stolen key
		if eff, _ := w.effective(w.policy(1, nil, 1)); len(eff.Rules[0].Keys) != 1 {
			t.Errorf("effective keys %v, want key 1 only", eff.Rules[0].Keys)
		}
	})
}

// TestIngestRefusesEntriesAfterRotation: a rotated key's log ends at the
// rotation; an entry after it, signed by the old key, is a bad log.
func TestIngestRefusesEntriesAfterRotation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.rotate(1, 2)
	did := w.key(1).DID()
	head, err := w.st.LogHead(ctx, did)
	if err != nil {
		t.Fatal(err)
	}
	e := &dag.LogEntry{Seq: head.Seq + 1, Prev: head.CID, Created: dagtest.Time(), Name: app100.Name, Version: app100.Version,
		Package: dagtest.NodeCID(t, "p"), Metadata: []cid.Cid{dagtest.NodeCID(t, "m")}, Signatures: []cid.Cid{dagtest.NodeCID(t, "s")}}
	if err := sign.SignLogEntry(w.key(1), e); err != nil {
		t.Fatal(err)
	}
	data, c, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	b, err := logs.Check(c, data, did)
	if err != nil {
		t.Fatal(err)
	}
	_, err = logs.Ingest(ctx, w.st, []logs.Block{b})
	if !errors.Is(err, logs.ErrBadLog) || !strings.Contains(err.Error(), "rotated") {
		t.Fatalf("ingest after the rotation: %v, want ErrBadLog saying the key rotated", err)
	}
	if h, _ := w.st.LogHead(ctx, did); h.Seq != head.Seq {
		t.Errorf("head moved to %d", h.Seq)
	}
}

// TestRevocationSince: a revocation from seq N on makes the claims from N
// on stop counting: a version only they met becomes untrusted, saying
// revoked-key; the claims before N still count.
func TestRevocationSince(t *testing.T) {
	p, q := dagtest.NodeCID(t, "p"), dagtest.NodeCID(t, "q")
	t.Run("1 of 1", func(t *testing.T) {
		w := newWorld(t)
		w.claim(1, app100, p, dag.RolePublisher, true) // seq 1
		w.claim(1, app101, q, dag.RolePublisher, true) // seq 2
		pol := w.policy(1, nil, 1)
		w.revoke(1, 2)
		if v := w.resolve(pol, app100); v.Status != trust.VersionTrusted {
			t.Errorf("1.0.0, before the revoked seq: %s (%s), want trusted", v.Status, v.Reason)
		}
		v := w.resolve(pol, app101)
		if v.Status != trust.VersionUntrusted || !strings.Contains(v.Reason, "revoked-key") || v.Package != nil {
			t.Errorf("1.0.1, from the revoked seq on: %s (%s), want untrusted, revoked-key", v.Status, v.Reason)
		}
	})
	t.Run("2 of 3 loses its threshold", func(t *testing.T) {
		w := newWorld(t)
		w.claim(1, app100, p, dag.RolePublisher, true)
		w.claim(2, app100, p, dag.RolePublisher, true)
		pol := w.policy(2, nil, 1, 2, 3)
		if v := w.resolve(pol, app100); v.Status != trust.VersionTrusted {
			t.Fatalf("before: %s (%s)", v.Status, v.Reason)
		}
		w.revoke(2, 1)
		v := w.resolve(pol, app100)
		if v.Status != trust.VersionUntrusted || !strings.Contains(v.Reason, "revoked-key") || !strings.Contains(v.Reason, "1 of the 2") {
			t.Errorf("after key 2's revocation: %s (%s), want untrusted: 1 of the 2 keys, revoked-key", v.Status, v.Reason)
		}
		if _, err := trust.ResolveRef(context.Background(), w.st, pol, app100); err == nil {
			t.Error("ResolveRef still resolves it")
		}
	})
}

// TestYankState: a yank counts when the keys yanking meet the rule's
// threshold; fewer make it pending; an unyank takes a key's yank back; a
// yank said after the key's revocation does not count.
func TestYankState(t *testing.T) {
	w := newWorld(t)
	p := dagtest.NodeCID(t, "p")
	for i := 1; i <= 3; i++ {
		w.claim(i, app100, p, dag.RolePublisher, true)
	}
	pol := w.policy(2, nil, 1, 2, 3)
	state := func() *trust.YankView {
		t.Helper()
		y, err := trust.YankState(context.Background(), w.st, pol, app100)
		if err != nil {
			t.Fatal(err)
		}
		return y
	}
	if y := state(); y != nil {
		t.Fatalf("before any yank: %+v", y)
	}
	w.yank(1, app100, p, "broken build", 1)
	if y := state(); y == nil || y.Status != trust.YankPending || y.Yanked() {
		t.Fatalf("one key of 2: %+v, want pending", y)
	}
	w.yank(2, app100, p, "CVE-2026-1234", 2)
	y := state()
	if !y.Yanked() || y.Reason != "CVE-2026-1234" || len(y.Signers) != 2 || y.Threshold != 2 {
		t.Fatalf("two keys of 2: %+v, want yanked with the latest reason", y)
	}
	if v := w.resolve(pol, app100); !v.Yank.Yanked() || v.Status != trust.VersionTrusted {
		t.Errorf("ResolveVersion: %s, yank %+v: want trusted and yanked (yanked versions stay trusted)", v.Status, v.Yank)
	}
	w.yank(2, app100, cid.Undef, "", 3)
	if y := state(); y == nil || y.Status != trust.YankPending {
		t.Fatalf("after key 2's unyank: %+v, want pending", y)
	}
	w.yank(3, app100, p, "again", 4)
	if y := state(); !y.Yanked() {
		t.Fatalf("keys 1 and 3: %+v, want yanked", y)
	}
	w.revoke(3, 3) // key 3's yank is its seq 2: still counts
	if y := state(); !y.Yanked() {
		t.Errorf("key 3 revoked after its yank: %+v, want yanked", y)
	}
	w.revoke(1, 2) // key 1's yank is its seq 2: no longer counts
	if y := state(); y == nil || y.Status != trust.YankPending {
		t.Errorf("key 1 revoked from its yank on: %+v, want pending", y)
	}
}

// TestFresh: a rule with max_age is stale when the newest statement held of
// any of its keys is older than that, or none is held; without max_age
// freshness is not judged.
func TestFresh(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	w := newWorld(t)
	pol := w.policy(1, nil, 1, 2)
	pol.Rules[0].MaxAge = "1h"
	say := func(i int, at time.Time) {
		t.Helper()
		a := &dag.Announcement{Seq: 1, Head: dagtest.NodeCID(t, "head"), Created: at, Expires: at.Add(24 * time.Hour)}
		if err := sign.SignAnnouncement(w.key(i), a); err != nil {
			t.Fatal(err)
		}
		data, err := a.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.st.PutStatement(ctx, a.Signer, data); err != nil {
			t.Fatal(err)
		}
	}
	fresh := func() *trust.Freshness {
		t.Helper()
		f, err := trust.Fresh(ctx, w.st, pol, app100.Name, now)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if f := fresh(); !f.Stale || f.Since != nil || len(f.Keys) != 2 {
		t.Fatalf("nothing heard: %+v, want stale since never, both keys listed", f)
	}
	say(1, now.Add(-2*time.Hour))
	if f := fresh(); !f.Stale || f.Since == nil || !strings.Contains(f.Reason(), "max_age 1h") {
		t.Fatalf("heard 2h ago: %+v, want stale", f)
	}
	say(2, now.Add(-10*time.Minute))
	if f := fresh(); f.Stale {
		t.Fatalf("key 2 heard 10 min ago: %+v, want fresh", f)
	}
	p := dagtest.NodeCID(t, "p")
	w.claim(1, app100, p, dag.RolePublisher, true)
	if v := w.resolve(pol, app100); v.Status != trust.VersionTrusted {
		t.Errorf("fresh: %s (%s)", v.Status, v.Reason)
	}
	now = now.Add(2 * time.Hour)
	if f := fresh(); !f.Stale {
		t.Errorf("two hours later: %+v, want stale", f)
	}
	pol.Rules[0].MaxAge = ""
	if f := fresh(); f != nil {
		t.Errorf("no max_age: %+v, want nil", f)
	}
}

// TestRotationIsOneHolder: a key and the key it rotated to count once
// toward a threshold, for releases and for yanks: one party cannot meet a
// 2-of-3 rule with its old and its new key.
func TestRotationIsOneHolder(t *testing.T) {
	w := newWorld(t)
	p := dagtest.NodeCID(t, "p")
	pol := w.policy(2, nil, 1, 2, 3)
	w.claim(1, app100, p, dag.RolePublisher, true)
	w.yank(1, app100, p, "old key", 1)
	w.rotate(1, 4)
	w.claim(4, app100, p, dag.RolePublisher, true)
	w.yank(4, app100, p, "new key", 2)
	if v := w.resolve(pol, app100); v.Status != trust.VersionUntrusted || !strings.Contains(v.Reason, "1 of the 2") {
		t.Fatalf("old and new key of one holder: %s (%s), want untrusted, 1 of the 2", v.Status, v.Reason)
	}
	h, err := trust.Holder(context.Background(), w.st, w.key(1).DID())
	if err != nil || h != w.key(4).DID() {
		t.Errorf("Holder(key 1) = %s, %v; want key 4", h, err)
	}
	eff, _ := w.effective(pol)
	if y, err := trust.YankState(context.Background(), w.st, eff, app100); err != nil || y == nil || y.Yanked() || y.Holders != 1 || len(y.Signers) != 2 {
		t.Errorf("a yank by one holder's two keys: %+v, %v; want pending, 1 holder", y, err)
	}
	w.claim(2, app100, p, dag.RolePublisher, true)
	if v := w.resolve(pol, app100); v.Status != trust.VersionTrusted {
		t.Errorf("with key 2: %s (%s), want trusted", v.Status, v.Reason)
	}
}

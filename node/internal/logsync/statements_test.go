package logsync

import (
	"context"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/store/storetest"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
)

// TestKeepNewer: a statement replaces the one held only if it was made
// later.
func TestKeepNewer(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	k := signtest.Key(t, 1)
	at := func(created time.Time) *dag.Announcement {
		a := &dag.Announcement{Seq: 1, Head: dagtest.NodeCID(t, "head"), Created: created, Expires: created.Add(time.Hour)}
		if err := sign.SignAnnouncement(k, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	now := time.Now().UTC().Truncate(time.Second)
	if got := statementTime(ctx, st, k.DID()); !got.IsZero() {
		t.Fatalf("nothing held: %s", got)
	}
	for _, tc := range []struct {
		created, want time.Time
	}{
		{now, now},
		{now.Add(-time.Minute), now}, // older: kept out
		{now, now},                   // the same: nothing to do
		{now.Add(time.Minute), now.Add(time.Minute)},
	} {
		if err := keepNewer(ctx, st, at(tc.created)); err != nil {
			t.Fatal(err)
		}
		if got := statementTime(ctx, st, k.DID()); !got.Equal(tc.want) {
			t.Errorf("after a statement of %s: held %s, want %s", tc.created, got, tc.want)
		}
	}
}

// TestStoreRevocation: a revocation heard is stored, indexed and pinned
// once; its block alone (come some other way) does not count as held.
func TestStoreRevocation(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	k := signtest.Key(t, 1)
	r := &dag.Revocation{Since: 2, Reason: "lost", Created: time.Now()}
	if err := sign.SignRevocation(k, r); err != nil {
		t.Fatal(err)
	}
	data, c, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.PutNode(ctx, c, data); err != nil { // the block, unindexed
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if held, err := holdsRevocation(ctx, st, k.DID(), c); err != nil || held {
		t.Fatalf("block only: held %v, %v", held, err)
	}
	for i, want := range []bool{true, false} {
		added, err := storeRevocation(ctx, st, r, data, c)
		if err != nil || added != want {
			t.Fatalf("store %d: added %v, %v; want %v", i, added, err, want)
		}
	}
	revs, err := st.Revocations(ctx, k.DID())
	if err != nil || len(revs) != 1 || revs[0].Since != 2 || !revs[0].Revocation.Equals(c) {
		t.Fatalf("revocations %+v, %v", revs, err)
	}
	if pinned, err := st.IsPinned(ctx, c); err != nil || !pinned {
		t.Errorf("pinned %v, %v", pinned, err)
	}
}

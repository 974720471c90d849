package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
)

// TestFetchCandidates fetches acme/app@1.0.0 by name when peers name more
// than one package for it: a candidate that is untrusted or is another
// name@version is tried and dropped, and the real one is kept.
func TestFetchCandidates(t *testing.T) {
	for _, tc := range []struct {
		name string
		// bad publishes the package a lying peer names.
		bad func(fx *fixture) pkgInfo
		// onePeer: one peer names the bad candidate, then the real one, so
		// the bad one is tried first; else two peers name one each, in an
		// order the fetch does not fix.
		onePeer bool
	}{
		{name: "untrusted first", onePeer: true, bad: func(fx *fixture) pkgInfo { return fx.publish(fx.stranger, "acme/app@1.0.0") }},
		{name: "other version first", onePeer: true, bad: func(fx *fixture) pkgInfo { return fx.publish(fx.key, "acme/app@2.0.0") }},
		{name: "other name first", onePeer: true, bad: func(fx *fixture) pkgInfo { return fx.publish(fx.key, "acme/lib@1.0.0") }},
		{name: "two peers, one untrusted", bad: func(fx *fixture) pkgInfo { return fx.publish(fx.stranger, "acme/app@1.0.0") }},
		{name: "two peers, one other version", bad: func(fx *fixture) pkgInfo { return fx.publish(fx.key, "acme/app@2.0.0") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			fx := newFixture(t)
			real := fx.publish(fx.key, "acme/app@1.0.0")
			bad := tc.bad(fx)
			liar := fx.net.addPeer(t, true)
			if tc.onePeer {
				fx.net.claim(liar, real.Ref, bad.CID, real.CID)
			} else {
				honest := fx.net.addPeer(t, true)
				fx.net.claim(liar, real.Ref, bad.CID)
				fx.net.claim(honest, real.Ref, real.CID)
			}

			res, err := fx.f.Fetch(ctx, "acme/app@1.0.0", time.Minute)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if !res.Package.Equals(real.CID) || res.Name != "acme/app" || res.Version != "1.0.0" || !res.Report.Trusted() {
				t.Errorf("kept %s %s@%s (%s), want trusted %s", res.Package, res.Name, res.Version, res.Report.Status, real.CID)
			}
			fx.checkKept(real)
			fx.checkNotKept(bad)
			if _, err := fx.dst.Lookup(ctx, bad.Ref); bad.Ref != real.Ref && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Lookup(%s) after its fetch was dropped: %v, want not found", bad.Ref, err)
			}
			tried := slices.ContainsFunc(fx.net.exchangedBlocks(), bad.CID.Equals) // its node was fetched, to be judged
			if tc.onePeer && !tried {
				t.Errorf("the first candidate %s was never tried", bad.CID)
			}
			if got := fx.published(); len(got) != 1 || !got[0].Equals(real.CID) {
				t.Errorf("Published events for %v, want one for %s", got, real.CID)
			}
		})
	}
}

// TestFetchNoCandidateTrusted: when every candidate fails, the error names
// each, wraps their causes, and the untrusted verdicts come back.
func TestFetchNoCandidateTrusted(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	untrusted := fx.publish(fx.stranger, "acme/app@1.0.0")
	other := fx.publish(fx.key, "acme/app@2.0.0")
	p := fx.net.addPeer(t, true)
	fx.net.claim(p, untrusted.Ref, untrusted.CID, other.CID)
	before := fx.stat()

	res, err := fx.f.Fetch(ctx, "acme/app@1.0.0", time.Minute)
	if !errors.Is(err, trust.ErrUntrusted) || !errors.Is(err, store.ErrNotPackage) {
		t.Fatalf("err = %v, want it to wrap trust.ErrUntrusted and store.ErrNotPackage", err)
	}
	for _, c := range []cid.Cid{untrusted.CID, other.CID} {
		if want := fmt.Sprintf("candidate %s", c); !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if res == nil || res.Report == nil || !res.Package.Equals(untrusted.CID) {
		t.Errorf("result %+v, want the untrusted candidate's verdicts", res)
	}
	if after := fx.stat(); after != before {
		t.Errorf("store changed: %+v, was %+v", after, before)
	}
}

// TestFetchResolvedByRepo: a name the repo resolves is fetched without
// asking peers, and one the repo refuses to resolve (an equivocation) is
// not asked of peers either.
func TestFetchResolvedByRepo(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, fx *fixture, real pkgInfo)
		wantErr error // nil: the real package is fetched
	}{
		{name: "indexed in the repo", setup: func(t *testing.T, fx *fixture, real pkgInfo) {
			if _, err := fx.f.Package(context.Background(), real.CID, nil, time.Minute); err != nil {
				t.Fatalf("fetch by CID: %v", err)
			}
		}},
		{name: "equivocation in the repo", wantErr: trust.ErrEquivocation, setup: func(_ *testing.T, fx *fixture, _ pkgInfo) {
			fx.resolve = func(_ context.Context, ref dag.Ref) (cid.Cid, error) {
				return cid.Undef, fmt.Errorf("%w: %s: two packages", trust.ErrEquivocation, ref)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			real := fx.publish(fx.key, "acme/app@1.0.0")
			bad := fx.publish(fx.stranger, "acme/app@1.0.0")
			liar := fx.net.addPeer(t, true)
			fx.net.claim(liar, real.Ref, bad.CID)
			tc.setup(t, fx, real)

			res, err := fx.f.Fetch(context.Background(), "acme/app@1.0.0", time.Minute)
			if n := fx.net.askNames.Load(); n != 0 {
				t.Errorf("peers were asked %d times for a name the repo answers", n)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if !res.Package.Equals(real.CID) {
				t.Errorf("kept %s, want %s", res.Package, real.CID)
			}
			fx.checkKept(real)
			fx.checkNotKept(bad)
		})
	}
}

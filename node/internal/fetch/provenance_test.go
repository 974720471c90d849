package fetch_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/sign"
)

// TestInputsOfUntrustedMetadataNotFollowed: a metadata set that a key of the
// policy signed, so it is fetched, but that is not trusted (its signature is
// not in the key's log) names an input: the package is kept on its trusted
// metadata set, and the input is neither fetched nor kept.
func TestInputsOfUntrustedMetadataNotFollowed(t *testing.T) {
	fx := newFixture(t)
	fx.net.addPeer(t, true)
	info := fx.publish(fx.key, "acme/app@1.0.0")
	extra := fx.publish(fx.key, "acme/extra@1.0.0")
	m := &dag.MetadataSet{Subject: info.CID, Kind: dag.KindBuild, Created: dagtest.Time(), Inputs: []cid.Cid{extra.CID}}
	mdata, mc := dagtest.MustEncode(t, m)
	s, err := sign.Sign(fx.key, mc, dag.RolePublisher, dagtest.Time())
	if err != nil {
		t.Fatal(err)
	}
	sdata, sc := dagtest.MustEncode(t, s)
	fx.serve(mc, mdata, &info.CID)
	fx.serve(sc, sdata, &mc)

	res, err := fx.f.Package(context.Background(), info.CID, nil, time.Minute)
	if err != nil {
		t.Fatalf("Package: %v", err)
	}
	if !res.Report.Trusted() || len(res.Report.Inputs) != 0 {
		t.Errorf("report %+v, want trusted with no inputs", res.Report)
	}
	// The setup is what it says: the second set was fetched, and judged not logged.
	if i := slices.IndexFunc(res.Report.Metadata, func(mr sign.MetadataReport) bool { return mr.CID.Equals(mc) }); i < 0 || res.Report.Metadata[i].Code != sign.CodeNotLogged {
		t.Fatalf("metadata verdicts %+v, want %s among them, not-logged", res.Report.Metadata, mc)
	}
	fx.checkKept(info)
	fx.checkNotKept(extra)
	if slices.ContainsFunc(fx.net.exchangedBlocks(), extra.CID.Equals) {
		t.Errorf("the input %s of an untrusted metadata set was fetched", extra.CID)
	}
}

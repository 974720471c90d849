package lookup

import (
	"context"
	"fmt"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
)

type nameMap map[string]cid.Cid

func (m nameMap) Lookup(_ context.Context, ref dag.Ref) (cid.Cid, error) {
	c, ok := m[ref.String()]
	if !ok {
		return cid.Undef, fmt.Errorf("no %s", ref)
	}
	return c, nil
}

func TestNames(t *testing.T) {
	server, client := twoHosts(t)
	pkg := testCID(t, "acme/app 1.0.0")
	ServeNames(context.Background(), server, nameMap{"acme/app@1.0.0": pkg})
	ref, err := dag.ParseRef("acme/app@1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	got, err := AskName(context.Background(), client, server.ID(), ref)
	if err != nil || len(got) != 1 || !got[0].Equals(pkg) {
		t.Fatalf("AskName = %v, %v", got, err)
	}
	other, _ := dag.ParseRef("acme/app@2.0.0")
	got, err = AskName(context.Background(), client, server.ID(), other)
	if err != nil || len(got) != 0 {
		t.Fatalf("unknown version: %v, %v", got, err)
	}
	// A request that is not NAME@VERSION gets the stream reset.
	bad := dag.Ref{Name: dag.Name{Namespace: "Bad", Short: "x"}, Version: "1"}
	if _, err := AskName(context.Background(), client, server.ID(), bad); err == nil {
		t.Fatal("a malformed name was answered")
	}
}

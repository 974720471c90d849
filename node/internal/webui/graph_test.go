package webui_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/node/internal/webui"
	"github.com/cairnpkg/cairn/sign"
)

// chain makes n packages, each the input of the one before it; cycle makes
// the last name the first as its input.
func chain(t *testing.T, n int, cycle bool) (*fakeSource, []*webui.Package) {
	t.Helper()
	f := &fakeSource{pkgs: map[cid.Cid]*webui.Package{}}
	ps := make([]*webui.Package, n)
	for i := n - 1; i >= 0; i-- {
		var inputs []cid.Cid
		if i+1 < n {
			inputs = []cid.Cid{ps[i+1].CID}
		}
		ps[i] = pkg(t, fmt.Sprintf("acme/p%d", i), "1.0.0", sign.Valid, "", `{}`, inputs...)
		f.pkgs[ps[i].CID] = ps[i]
	}
	if cycle {
		last := ps[n-1]
		last.Metadata[0].Inputs = []cid.Cid{ps[0].CID}
	}
	return f, ps
}

// TestGraphCycle: a provenance cycle is drawn once, with an arrow back.
func TestGraphCycle(t *testing.T) {
	f, ps := chain(t, 3, true)
	res, body := get(t, newUI(t, f), http.MethodGet, pkgPath(ps[0]))
	if res.StatusCode != 200 {
		t.Fatalf("status %d\n%s", res.StatusCode, body)
	}
	if n := strings.Count(body, `<g class="node `); n != 3 {
		t.Errorf("%d nodes, want 3", n)
	}
	if n := strings.Count(body, `<line class="edge`); n != 3 {
		t.Errorf("%d edges, want 3 (two down, one back)", n)
	}
}

// TestGraphBounded: a chain longer than the graph draws is cut, and says so.
func TestGraphBounded(t *testing.T) {
	f, ps := chain(t, 80, false)
	_, body := get(t, newUI(t, f), http.MethodGet, pkgPath(ps[0]))
	if n := strings.Count(body, `<g class="node `); n != 64 {
		t.Errorf("%d nodes, want 64", n)
	}
	if !strings.Contains(body, "The chain is longer than the graph draws.") {
		t.Errorf("the cut graph does not say so")
	}
	// Rows go down: the 64th node is below the first.
	if !strings.Contains(body, `<rect x="8" y="6056"`) {
		t.Errorf("the last node is not at row 63 (y = 8 + 63*96)")
	}
}

// TestGraphSourceError: an input the source fails to read (not a "not
// found") fails the page rather than drawing it as missing.
func TestGraphSourceError(t *testing.T) {
	f, ps := chain(t, 2, false)
	h := newUI(t, &failingInput{fakeSource: f, bad: ps[1].CID})
	res, body := get(t, h, http.MethodGet, pkgPath(ps[0]))
	if res.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "input "+ps[1].CID.String()) {
		t.Errorf("status %d, want 500 naming the input\n%s", res.StatusCode, body)
	}
}

type failingInput struct {
	*fakeSource
	bad cid.Cid
}

func (f *failingInput) Package(ctx context.Context, c cid.Cid) (*webui.Package, error) {
	if c == f.bad {
		return nil, errors.New("disk error")
	}
	return f.fakeSource.Package(ctx, c)
}

package webui

import (
	"context"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/sign"
)

// maxGraphNodes bounds the packages the provenance graph draws.
const maxGraphNodes = 64

// The geometry of the graph's boxes, in SVG user units.
const (
	nodeW, nodeH = 250, 50
	gapX, gapY   = 24, 46
	margin       = 8
)

// verdictMissing is the graph's verdict for an input the repo does not hold.
const verdictMissing = "missing"

// graph is the provenance chain of a package drawn as boxes (one a
// package) and arrows (from a package to an input its metadata names).
type graph struct {
	Nodes         []graphNode
	Edges         []graphEdge
	Width, Height int
	// Truncated: more packages than maxGraphNodes are in the chain.
	Truncated bool
}

type graphNode struct {
	CID     cid.Cid
	Label   string // NAME@VERSION, or the CID of a package not held
	Verdict string // a sign.Status, or verdictMissing
	Code    sign.Code
	Root    bool
	depth   int
	X, Y    int
}

// Title is the node's tooltip: everything the box clips.
func (n graphNode) Title() string {
	t := n.Label + " — " + n.Verdict
	if n.Code != "" {
		t += " (" + string(n.Code) + ")"
	}
	return t + ", " + n.CID.String()
}

// Line2 is the box's second line: the verdict and its code.
func (n graphNode) Line2() string {
	if n.Code == "" || string(n.Code) == n.Verdict {
		return n.Verdict
	}
	return n.Verdict + " · " + string(n.Code)
}

type graphEdge struct {
	From, To int
	// Trusted: the input is named by a metadata set the policy trusts (the
	// verifier follows only those).
	Trusted        bool
	X1, Y1, X2, Y2 int
}

// provenance walks the inputs of root's metadata sets, breadth first, each
// input judged on its own by src.Package, and lays the graph out in rows by
// distance from root.
func provenance(ctx context.Context, src Source, root *Package) (*graph, error) {
	g := &graph{}
	index := map[cid.Cid]int{}
	pkgs := []*Package{root}
	add := func(c cid.Cid, p *Package, depth int) int {
		n := graphNode{CID: c, Label: c.String(), Verdict: verdictMissing, depth: depth}
		if p != nil {
			n.Label, n.Verdict, n.Code = p.Name+"@"+p.Version, string(p.Report.Status), p.Report.Code
		}
		index[c] = len(g.Nodes)
		g.Nodes = append(g.Nodes, n)
		return index[c]
	}
	add(root.CID, root, 0)
	g.Nodes[0].Root = true
	seen := map[[2]int]bool{}
	for i := 0; i < len(g.Nodes); i++ {
		p := pkgs[i]
		if p == nil {
			continue
		}
		for _, m := range p.Metadata {
			for _, in := range m.Inputs {
				j, ok := index[in]
				if !ok {
					if len(g.Nodes) >= maxGraphNodes {
						g.Truncated = true
						continue
					}
					ip, err := src.Package(ctx, in)
					if err != nil && !errors.Is(err, errkind.NotFound) {
						return nil, fmt.Errorf("input %s: %w", in, err)
					}
					j = add(in, ip, g.Nodes[i].depth+1)
					pkgs = append(pkgs, ip)
				}
				trusted := m.Status == sign.Valid
				if k := [2]int{i, j}; !seen[k] {
					seen[k] = true
					g.Edges = append(g.Edges, graphEdge{From: i, To: j, Trusted: trusted})
				} else if trusted {
					for e := range g.Edges {
						if g.Edges[e].From == i && g.Edges[e].To == j {
							g.Edges[e].Trusted = true
						}
					}
				}
			}
		}
	}
	g.layout()
	return g, nil
}

// layout places the nodes in rows by depth, each row centred, and the
// edges from the bottom of a box to the top of its input's.
func (g *graph) layout() {
	rows := map[int][]int{}
	deepest, widest := 0, 0
	for i, n := range g.Nodes {
		rows[n.depth] = append(rows[n.depth], i)
		deepest = max(deepest, n.depth)
		widest = max(widest, len(rows[n.depth]))
	}
	g.Width = 2*margin + widest*nodeW + (widest-1)*gapX
	g.Height = 2*margin + (deepest+1)*nodeH + deepest*gapY
	for d, row := range rows {
		offset := margin + (widest-len(row))*(nodeW+gapX)/2
		for k, i := range row {
			g.Nodes[i].X = offset + k*(nodeW+gapX)
			g.Nodes[i].Y = margin + d*(nodeH+gapY)
		}
	}
	for e := range g.Edges {
		a, b := g.Nodes[g.Edges[e].From], g.Nodes[g.Edges[e].To]
		g.Edges[e].X1, g.Edges[e].Y1 = a.X+nodeW/2, a.Y+nodeH
		g.Edges[e].X2, g.Edges[e].Y2 = b.X+nodeW/2, b.Y
		if b.depth <= a.depth { // a cycle or a cross link: from the side
			g.Edges[e].X1, g.Edges[e].Y1 = a.X+nodeW, a.Y+nodeH/2
			g.Edges[e].X2, g.Edges[e].Y2 = b.X+nodeW, b.Y+nodeH/2
		}
	}
}

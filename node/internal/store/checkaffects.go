package store

import (
	"context"
	"fmt"

	"github.com/ipfs/go-cid"
)

// attribute says what each problem affects: the pin that keeps its block
// and the package that block belongs to (docs/repo.md, "Checking"): for a
// block a package pin keeps, that package; for one a content pin keeps, the
// first package whose layer names that content, else the content root; for
// a metadata set or signature, the package it is about; for a log entry or
// revocation, which one it is.
func (c *checker) attribute(ctx context.Context) error {
	pins, err := c.s.pinList(ctx)
	if err != nil {
		return err
	}
	c.pins = map[cid.Cid]PinKind{}
	c.contentOf = map[cid.Cid]cid.Cid{}
	for _, p := range pins {
		c.pins[p.c] = p.kind
		if p.kind != PinPackage {
			continue
		}
		pkg, err := c.s.Package(ctx, p.c)
		if err != nil {
			continue // reported as missing or damaged
		}
		if _, ok := c.pkgNames[p.c]; !ok {
			c.pkgNames[p.c] = pkg.Ref()
		}
		for _, l := range pkg.Layers {
			if _, ok := c.contentOf[l.Content]; !ok {
				c.contentOf[l.Content] = p.c
			}
		}
	}
	for i := range c.rep.Problems {
		p := &c.rep.Problems[i]
		if !p.Affects.Pin.Defined() && p.CID.Defined() {
			p.Affects.Pin = c.roots[string(p.CID.Hash())]
		}
		c.describe(&p.Affects)
	}
	return nil
}

// describe fills in a's package and words from its pin.
func (c *checker) describe(a *Affected) {
	defer func() {
		if r, ok := c.pkgNames[a.Package]; ok && a.Package.Defined() && a.Name == "" {
			a.Name, a.Version = r.Name.String(), r.Version
		}
		if a.What == "" {
			a.What = "package " + c.pkgString(a.Package)
		}
	}()
	if a.Package.Defined() || a.What != "" {
		return
	}
	if !a.Pin.Defined() {
		a.What = "a block no pin keeps"
		return
	}
	kind, pinned := c.pins[a.Pin]
	a.Kind = kind
	switch {
	case !pinned:
		if _, ok := c.pkgNames[a.Pin]; ok {
			a.Package = a.Pin
			return
		}
		a.What = fmt.Sprintf("%s (not pinned)", a.Pin)
	case kind == PinPackage:
		a.Package = a.Pin
	case kind == PinContent:
		a.Package = c.contentOf[a.Pin]
		if !a.Package.Defined() {
			a.What = fmt.Sprintf("content %s (no package in the repo names it)", a.Pin)
			return
		}
		a.What = fmt.Sprintf("content %s of package %s", a.Pin, c.pkgString(a.Package))
	case kind == PinMetadata:
		a.Package = c.refs[a.Pin]
		a.What = fmt.Sprintf("metadata set %s of package %s", a.Pin, c.pkgString(a.Package))
	case kind == PinSignature:
		ms := c.refs[a.Pin]
		a.Package = c.refs[ms]
		a.What = fmt.Sprintf("signature %s on metadata set %s of package %s", a.Pin, ms, c.pkgString(a.Package))
	case kind == PinLog:
		a.What = c.logNames[a.Pin]
		if a.What == "" {
			a.What = fmt.Sprintf("log entry %s", a.Pin)
		}
	default:
		a.What = fmt.Sprintf("%s (pinned as %s)", a.Pin, kind)
	}
}

// pkgString names package p as name@version (CID), or by CID alone.
func (c *checker) pkgString(p cid.Cid) string {
	if !p.Defined() {
		return "(unknown)"
	}
	if r, ok := c.pkgNames[p]; ok {
		return fmt.Sprintf("%s (%s)", r, p)
	}
	return p.String()
}

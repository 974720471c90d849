package bundle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// ExportStore is what Export reads of a repo's store.
type ExportStore interface {
	Block(ctx context.Context, c cid.Cid) ([]byte, error)
	Has(ctx context.Context, c cid.Cid) (bool, error)
	Package(ctx context.Context, c cid.Cid) (*dag.Package, error)
	Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error)
	Claims(ctx context.Context, name, version string) ([]store.Claim, error)
	LogHead(ctx context.Context, signer string) (store.Head, error)
	LogEntry(ctx context.Context, signer string, seq uint64) (cid.Cid, error)
	Revocations(ctx context.Context, signer string) ([]store.RevocationRecord, error)
}

// ExportResult says what Export wrote.
type ExportResult struct {
	Root cid.Cid `json:"root"`
	// Name and Version are the package's; empty when Root is content.
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	// Packages counts the packages in the bundle: the root and its inputs.
	Packages int `json:"packages"`
	Blocks   int `json:"blocks"`
	// LogEntries counts the publisher-log entries in the bundle.
	LogEntries int `json:"logEntries"`
	// Revocations counts the revocations of its signers in the bundle.
	Revocations int `json:"revocations,omitempty"`
	// Bytes is the size of the CAR written.
	Bytes int64 `json:"bytes"`
	// Report is the verdict the package was exported on (set by the repo);
	// nil for content and for an unverified export.
	Report   *sign.Report `json:"report,omitempty"`
	Warnings []string     `json:"warnings,omitempty"`
}

// Export writes a bundle to w: a CARv1 whose one root is c and whose blocks
// are c's closure, each block once (docs/bundles.md). For a package that is
// the package node, its metadata sets and their signatures (as the referrers
// index lists them), every block of every layer's content, and then, in the
// same way, each package its metadata sets name as inputs that is in the repo
// (up to sign.MaxProvenanceDepth). For content (a raw or dag-pb CID) it is
// the UnixFS DAG. Blocks are read (and checked against their CIDs) and
// written one at a time, so memory does not grow with the content.
//
// Export does not verify signatures: the importer does. A block missing from
// the repo is an error; w then holds a partial CAR, which Import refuses.
func Export(ctx context.Context, st ExportStore, c cid.Cid, w io.Writer) (ExportResult, error) {
	res := ExportResult{Root: c}
	var pkg *dag.Package
	switch c.Prefix().Codec {
	case cid.Raw, cid.DagProtobuf:
	case cid.DagCBOR:
		p, err := st.Package(ctx, c)
		if err != nil {
			return res, err
		}
		pkg = p
		res.Name, res.Version = p.Name.String(), p.Version
	default:
		return res, fmt.Errorf("%w: %s is neither a package nor UnixFS content", store.ErrNotPackage, c)
	}
	cw := &countingWriter{w: w}
	// WriteAsCarV1 streams: the header first, then each block as it is Put.
	// (A CARv2 would need to seek back to write its header.)
	wc, err := storage.NewWritable(cw, []cid.Cid{c}, car.WriteAsCarV1(true))
	if err != nil {
		return res, err
	}
	e := &exporter{st: st, car: wc, seen: map[cid.Cid]bool{}, walked: map[cid.Cid]bool{}, pkgs: map[cid.Cid]bool{}, res: &res}
	if pkg == nil {
		err = e.content(ctx, c)
	} else {
		err = e.pkg(ctx, c, 0)
	}
	res.Bytes = cw.n
	return res, err
}

// exporter is one Export's state.
type exporter struct {
	st     ExportStore
	car    storage.WritableCar
	seen   map[cid.Cid]bool // blocks written
	walked map[cid.Cid]bool // content blocks reached by a walk
	pkgs   map[cid.Cid]bool // packages written or being written
	res    *ExportResult
}

// put writes block c, read from the repo, unless it was written already, and
// returns its bytes.
func (e *exporter) put(ctx context.Context, c cid.Cid) ([]byte, error) {
	data, err := e.st.Block(ctx, c)
	if err != nil {
		return nil, err
	}
	if e.seen[c] {
		return data, nil
	}
	if err := e.car.Put(ctx, c.KeyString(), data); err != nil {
		return nil, fmt.Errorf("write %s: %w", c, err)
	}
	e.seen[c] = true
	e.res.Blocks++
	return data, nil
}

// pkg writes package c, its referrers, its content, then its inputs.
func (e *exporter) pkg(ctx context.Context, c cid.Cid, depth int) error {
	if e.pkgs[c] {
		return nil
	}
	e.pkgs[c] = true
	e.res.Packages++
	data, err := e.put(ctx, c)
	if err != nil {
		return err
	}
	p, err := dag.DecodePackage(data)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", store.ErrNotPackage, c, err)
	}
	metas, err := e.st.Referrers(ctx, c)
	if err != nil {
		return err
	}
	var inputs []cid.Cid
	for _, mc := range metas {
		data, err := e.put(ctx, mc)
		if err != nil {
			return err
		}
		if m, err := dag.DecodeMetadataSet(data); err == nil {
			inputs = append(inputs, m.Inputs...)
		}
		sigs, err := e.st.Referrers(ctx, mc)
		if err != nil {
			return err
		}
		for _, sc := range sigs {
			if _, err := e.put(ctx, sc); err != nil {
				return err
			}
		}
	}
	if err := e.logs(ctx, p.Ref(), c); err != nil {
		return err
	}
	for _, l := range p.Layers {
		if err := e.content(ctx, l.Content); err != nil {
			return fmt.Errorf("layer %q of %s: %w", l.Name, p.Ref(), err)
		}
	}
	for _, in := range inputs {
		if e.pkgs[in] {
			continue
		}
		if depth >= sign.MaxProvenanceDepth {
			e.res.Warnings = append(e.res.Warnings, fmt.Sprintf("input %s of %s is deeper than %d packages; the bundle does not hold it", in, p.Ref(), sign.MaxProvenanceDepth))
			continue
		}
		if ok, err := e.st.Has(ctx, in); err != nil {
			return err
		} else if !ok {
			e.res.Warnings = append(e.res.Warnings, fmt.Sprintf("input %s of %s is not in the repo; the bundle does not hold it", in, p.Ref()))
			continue
		}
		if err := e.pkg(ctx, in, depth+1); errors.Is(err, store.ErrNotPackage) {
			// Anyone can attach a metadata set naming anything as an input:
			// that must not make the package unexportable.
			e.res.Warnings = append(e.res.Warnings, fmt.Sprintf("input %s of %s is not a package; the bundle does not hold it", in, p.Ref()))
			delete(e.pkgs, in)
			e.res.Packages--
		} else if err != nil {
			return fmt.Errorf("input %s of %s: %w", in, p.Ref(), err)
		}
	}
	return nil
}

// logs writes, for each key whose log names package c as ref, that whole
// log as the repo holds it (what it says after the release too: yanks, a
// rotation, a revocation), with the revocation of each revoke entry and the
// other revocations held of the key: enough for an importer to check the
// chain, to resolve ref from it, and to learn what became of the version
// and the key (docs/bundles.md).
func (e *exporter) logs(ctx context.Context, ref dag.Ref, c cid.Cid) error {
	claims, err := e.st.Claims(ctx, ref.Name.String(), ref.Version)
	if err != nil {
		return err
	}
	signers := map[string]bool{}
	for _, cl := range claims {
		if cl.Package.Equals(c) {
			signers[cl.Signer] = true
		}
	}
	for _, signer := range slices.Sorted(maps.Keys(signers)) {
		head, err := e.st.LogHead(ctx, signer)
		if err != nil {
			return err
		}
		for seq := uint64(1); seq <= head.Seq; seq++ {
			ec, err := e.st.LogEntry(ctx, signer, seq)
			if err != nil {
				return err
			}
			if !e.seen[ec] {
				e.res.LogEntries++
			}
			data, err := e.put(ctx, ec)
			if err != nil {
				return err
			}
			if le, err := dag.DecodeLogEntry(data); err == nil && le.Kind == dag.KindRevoke {
				if err := e.revocation(ctx, le.Revocation); err != nil {
					return err
				}
			}
		}
		revs, err := e.st.Revocations(ctx, signer)
		if err != nil {
			return err
		}
		for _, r := range revs {
			if err := e.revocation(ctx, r.Revocation); err != nil {
				return err
			}
		}
	}
	return nil
}

// revocation writes revocation c, once.
func (e *exporter) revocation(ctx context.Context, c cid.Cid) error {
	if e.seen[c] {
		return nil
	}
	if _, err := e.put(ctx, c); err != nil {
		return err
	}
	e.res.Revocations++
	return nil
}

// content writes every block of the UnixFS DAG under root.
func (e *exporter) content(ctx context.Context, root cid.Cid) error {
	err := walkContent(ctx, root, e.walked, func(c cid.Cid) ([]byte, error) { return e.put(ctx, c) }, nil)
	if store.IsNotFound(err) {
		return fmt.Errorf("content %s is not entirely in the repo: %w", root, err)
	}
	return err
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

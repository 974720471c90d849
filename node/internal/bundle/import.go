package bundle

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/sha256mb"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// Options bounds what Import reads and says how it judges. Zero limits take
// the defaults.
type Options struct {
	// MaxBlockSize bounds one block (DefaultMaxBlockSize).
	MaxBlockSize int64
	// MaxHeaderSize bounds the CAR header (DefaultMaxHeaderSize).
	MaxHeaderSize int64
	// MaxBytes bounds the bytes read from the CAR (DefaultMaxBytes).
	MaxBytes int64
	// MaxBlocks bounds the number of blocks (DefaultMaxBlocks).
	MaxBlocks int64
	// Policy judges the packages (required).
	Policy *sign.Policy
	// NoPin keeps the blocks of the content roots without pinning them, as
	// a cache that a collection may remove, and lets their DAGs be
	// incomplete (ipfs dag import --pin-roots=false). Package roots are
	// verified and pinned as ever.
	NoPin bool
}

func (o Options) withDefaults() Options {
	if o.MaxBlockSize <= 0 {
		o.MaxBlockSize = DefaultMaxBlockSize
	}
	if o.MaxHeaderSize <= 0 {
		o.MaxHeaderSize = DefaultMaxHeaderSize
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxBlocks <= 0 {
		o.MaxBlocks = DefaultMaxBlocks
	}
	return o
}

// ImportResult says what Import read and what it kept.
type ImportResult struct {
	Roots []cid.Cid `json:"roots"`
	// Blocks and Bytes count the blocks in the CAR and their data bytes.
	Blocks int64 `json:"blocks"`
	Bytes  int64 `json:"bytes"`
	// Packages are the roots that are packages, with their verdicts.
	Packages []ImportedPackage `json:"packages"`
	// Content are the roots that are content: any IPLD DAG that is not a
	// Cairn package (UnixFS, DAG-CBOR, DAG-JSON, …).
	Content []cid.Cid `json:"content"`
	// Unpinned is set when the content roots were kept unpinned (NoPin).
	Unpinned bool `json:"unpinned,omitempty"`
	// Incomplete are the content roots whose DAG lacks blocks (NoPin only:
	// otherwise that is an error), with how many it lacks.
	Incomplete []IncompleteContent `json:"incomplete,omitempty"`
	// LogEntries counts the publisher-log entries of followed keys the
	// import added to the repo's logs.
	LogEntries int `json:"logEntries"`
	// Revocations counts the revocations the import added.
	Revocations int `json:"revocations,omitempty"`
	// DroppedMetadata counts the bundle's metadata sets that were not kept:
	// none of their signatures is a valid one by a key the policy names for
	// their package (docs/bundles.md).
	DroppedMetadata int `json:"droppedMetadata,omitempty"`
	// Kept is true when the import was committed.
	Kept     bool     `json:"kept"`
	Warnings []string `json:"warnings,omitempty"`
}

// IncompleteContent is a content root of a bundle imported with NoPin whose
// DAG lacks blocks, neither in the bundle nor in the repo.
type IncompleteContent struct {
	Root cid.Cid `json:"root"`
	// Missing counts the blocks found missing; their children, unknown,
	// are not counted.
	Missing int `json:"missing"`
	// First is the first block found missing, depth first.
	First cid.Cid `json:"first"`
}

// ImportedPackage is one package root of a bundle and its verdict.
type ImportedPackage struct {
	Package cid.Cid      `json:"package"`
	Name    string       `json:"name"`
	Version string       `json:"version"`
	Report  *sign.Report `json:"report"`
}

// Import reads a bundle (a CARv1, or a CARv2 around one) from rd and keeps it
// in one store transaction, all or nothing (docs/bundles.md):
//
//   - each block is bounded in size and checked against its CID (allowed hash
//     function, matching digest) before it is written; a truncated or
//     corrupt CAR, or one over a limit, is an error wrapping ErrInvalidBundle;
//   - each root that is a package gets the metadata sets and signatures of
//     the bundle that name it (and, through the inputs of its trusted
//     metadata sets, the input packages the bundle holds); every block of
//     every layer's content must be there (in the bundle or the repo), else
//     ErrInvalidBundle; then it is verified against the policy, and pinned
//     and indexed only if every package root is trusted; otherwise the
//     error wraps ErrUntrusted and the result holds the verdicts;
//   - each other root is content, an IPLD DAG in any codec content.Links
//     follows (dag-pb, raw, DAG-CBOR, DAG-JSON, CBOR, JSON; identity CIDs);
//     it must be complete and is pinned as content: there is nothing to
//     verify beyond the hashes. With o.NoPin its blocks are kept unpinned
//     and it may be incomplete (ImportResult.Incomplete).
//
// On any error nothing is kept.
func Import(ctx context.Context, cfg Config, rd io.Reader, o Options) (*ImportResult, error) {
	o = o.withDefaults()
	cfg = cfg.withDefaults()
	pol := o.Policy
	if pol == nil {
		return nil, errors.New("bundle: Import needs a policy")
	}
	tx, err := cfg.Store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)

	im := &importer{
		cfg: cfg, tx: tx, pol: pol, res: &ImportResult{Packages: []ImportedPackage{}, Content: []cid.Cid{}},
		inBundle: map[cid.Cid]bool{}, pkgs: map[cid.Cid]bool{},
		metas: map[cid.Cid][]cid.Cid{}, sigs: map[cid.Cid][]cid.Cid{},
		done: map[cid.Cid]bool{}, nodes: map[cid.Cid]bool{}, walked: map[cid.Cid]bool{},
		logs: map[string][]entryRef{}, follows: map[string]bool{}, revs: map[cid.Cid]bool{},
	}
	if err := im.read(ctx, rd, o); err != nil {
		return nil, err
	}
	// The logs first: a signature counts only if its signer's log names it,
	// and a proof they reveal disputes the packages of the bundle; and
	// the revocations, which may make a signature stop counting.
	revoked, err := im.revocations(ctx)
	if err != nil {
		return nil, err
	}
	if err := im.ingestLogs(ctx); err != nil {
		return nil, err
	}
	if err := im.roots(ctx, o.NoPin); err != nil {
		return nil, err
	}
	res := im.res
	for _, p := range res.Packages {
		if !p.Report.Trusted() {
			return res, fmt.Errorf("%w: %s@%s (%s): %s; nothing was kept", trust.ErrUntrusted, p.Name, p.Version, p.Report.Code, p.Report.Reason)
		}
	}
	if n := im.strays(); n > 0 && !o.NoPin { // with NoPin, no block is pinned anyway
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d block(s) of the bundle are not part of what its roots name; they are stored but not pinned", n))
	}
	warnings, err := tx.CommitWithWarnings(ctx)
	if err != nil {
		return nil, err
	}
	res.Warnings = append(res.Warnings, warnings...)
	res.Kept = true
	for _, p := range res.Packages {
		cfg.Events.Emit(events.Published{Root: p.Package})
	}
	for _, r := range revoked {
		cfg.Events.Emit(r)
	}
	cfg.Log.Info("imported", "roots", len(res.Roots), "blocks", res.Blocks, "bytes", res.Bytes)
	return res, nil
}

// importer is one Import's state.
type importer struct {
	cfg Config
	tx  *store.Txn
	pol *sign.Policy
	res *ImportResult

	inBundle map[cid.Cid]bool      // every block of the CAR
	pkgs     map[cid.Cid]bool      // blocks of the CAR that are packages
	metas    map[cid.Cid][]cid.Cid // subject -> metadata sets of the CAR naming it
	sigs     map[cid.Cid][]cid.Cid // metadata set -> signatures of the CAR naming it
	done     map[cid.Cid]bool      // packages taken in
	nodes    map[cid.Cid]bool      // packages, metadata sets and signatures taken in
	walked   map[cid.Cid]bool      // content blocks checked present
	logs     map[string][]entryRef // signer -> the CAR's entries of followed logs
	follows  map[string]bool       // signer -> whether the repo follows its log
	revs     map[cid.Cid]bool      // the CAR's revocations
}

// entryRef is a log entry of the CAR, checked and stored in the Txn: only
// its place is held in memory; ingestLogs reads it back.
type entryRef struct {
	cid cid.Cid
	seq uint64
}

// read streams the CAR's blocks into the transaction, each checked first, and
// notes the Cairn nodes among them.
func (im *importer) read(ctx context.Context, rd io.Reader, o Options) error {
	cr := &limitedReader{r: bufio.NewReaderSize(rd, 1<<20), max: o.MaxBytes}
	br, err := car.NewBlockReader(cr, car.MaxAllowedHeaderSize(uint64(o.MaxHeaderSize)))
	if err != nil {
		return bundleError(cr, "its header", err)
	}
	if len(br.Roots) == 0 {
		return fmt.Errorf("%w: the CAR names no root", ErrInvalidBundle)
	}
	im.res.Roots = br.Roots
	end := cr.n // where the last complete section ended
	// Blocks are checked sha256mb.BatchSize at a time (dag.CheckBlocks
	// hashes sixteen side by side where the CPU can), before any of them is
	// noted or put; a read error is reported only once the blocks read
	// before it passed.
	var pending checkBatch
	batch := sha256mb.BatchSize()
	fail := func(err error) error {
		if ferr := im.flush(ctx, &pending); ferr != nil {
			return ferr
		}
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, data, n, err := br.NextReader()
		next := im.res.Blocks + int64(len(pending.cs)) + 1
		if errors.Is(err, io.EOF) && cr.err == nil {
			if cr.n != end {
				// go-car reports a section cut right after its length as a clean end.
				return fail(fmt.Errorf("%w: truncated: the CAR ends inside block %d (at byte %d)", ErrInvalidBundle, next, cr.n))
			}
			return im.flush(ctx, &pending)
		}
		if err != nil {
			return fail(bundleError(cr, fmt.Sprintf("block %d (at byte %d)", next, end), err))
		}
		if n > uint64(o.MaxBlockSize) {
			return fail(fmt.Errorf("%w: block too large: %s is %d bytes, more than the %d a block may have", ErrInvalidBundle, c, n, o.MaxBlockSize))
		}
		if next > o.MaxBlocks {
			return fail(fmt.Errorf("%w: more than %d blocks", ErrInvalidBundle, o.MaxBlocks))
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(data, buf); err != nil {
			return fail(bundleError(cr, fmt.Sprintf("block %d (%s)", next, c), err))
		}
		end = cr.n
		pending.cs, pending.data = append(pending.cs, c), append(pending.data, buf)
		pending.size += len(buf)
		if len(pending.cs) >= batch || pending.size >= checkBatchBytes {
			if err := im.flush(ctx, &pending); err != nil {
				return err
			}
		}
	}
}

// checkBatchBytes bounds the bytes of the blocks read ahead for one
// dag.CheckBlocks.
const checkBatchBytes = 16 << 20

// checkBatch is blocks read and not yet checked.
type checkBatch struct {
	cs   []cid.Cid
	data [][]byte
	size int
}

// flush checks the pending blocks' hashes together, then notes and puts each
// in order; the first that fails ends the import. It empties pending.
func (im *importer) flush(ctx context.Context, pending *checkBatch) error {
	defer func() {
		pending.cs, pending.data, pending.size = pending.cs[:0], pending.data[:0], 0
	}()
	errs := dag.CheckBlocks(pending.cs, pending.data)
	bs := im.tx.Blockstore()
	for i, c := range pending.cs {
		if errs[i] != nil {
			return fmt.Errorf("%w: block %d: %w", ErrInvalidBundle, im.res.Blocks+1, errs[i])
		}
		buf := pending.data[i]
		im.res.Blocks++
		im.res.Bytes += int64(len(buf))
		if err := im.note(c, buf); err != nil {
			return err
		}
		b, err := blocks.NewBlockWithCid(buf, c)
		if err != nil {
			return err
		}
		if err := bs.Put(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// note records what a checked block is, if it is a Cairn node.
func (im *importer) note(c cid.Cid, data []byte) error {
	im.inBundle[c] = true
	if c.Prefix().Codec != cid.DagCBOR {
		return nil
	}
	kind, err := dag.Sniff(c, data)
	if err != nil {
		return nil // some other DAG-CBOR: kept as a block, nothing more
	}
	switch kind {
	case dag.NodePackage:
		if _, err := dag.DecodePackage(data); err == nil {
			im.pkgs[c] = true
		}
	case dag.NodeMetadata:
		if m, err := dag.DecodeMetadataSet(data); err == nil {
			im.metas[m.Subject] = append(im.metas[m.Subject], c)
		}
	case dag.NodeSignature:
		if s, err := dag.DecodeSignature(data); err == nil {
			im.sigs[s.Subject] = append(im.sigs[s.Subject], c)
		}
	case dag.NodeLogEntry:
		b, err := logs.Check(c, data, "")
		if err != nil {
			return nil
		}
		follows, err := im.followsKey(b.Entry.Signer)
		if err != nil {
			return err
		}
		if follows { // else kept as a block, not as a log: the policy does not name the key
			im.logs[b.Entry.Signer] = append(im.logs[b.Entry.Signer], entryRef{cid: c, seq: b.Entry.Seq})
		}
	case dag.NodeRevocation:
		im.revs[c] = true
	}
	return nil
}

// followsKey reports whether the repo follows signer's log.
func (im *importer) followsKey(signer string) (bool, error) {
	follows, ok := im.follows[signer]
	if !ok {
		var err error
		if follows, err = im.cfg.Follows(signer); err != nil {
			return false, err
		}
		im.follows[signer] = follows
	}
	return follows, nil
}

// revocations adds the bundle's revocations to the Txn (each checked:
// signed by the key it revokes), whoever they revoke, as gossip does (a
// key may be trusted later, and a revocation must outlive the key's log),
// and returns the events to tell once it commits. A revocation that does
// not check is an invalid bundle.
func (im *importer) revocations(ctx context.Context) ([]events.Revoked, error) {
	var out []events.Revoked
	for _, c := range slices.SortedFunc(maps.Keys(im.revs), func(a, b cid.Cid) int { return strings.Compare(a.KeyString(), b.KeyString()) }) {
		data, err := im.cfg.Store.Block(ctx, c)
		if err != nil {
			return nil, err
		}
		r, err := logs.CheckRevocation(c, data, "")
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidBundle, err)
		}
		held, err := im.cfg.Store.Revocations(ctx, r.Signer)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(held, func(h store.RevocationRecord) bool { return h.Revocation.Equals(c) }) {
			continue // indexed already
		}
		im.tx.AddRevocation(r, c)
		im.nodes[c] = true
		im.res.Revocations++
		out = append(out, events.Revoked{Revocation: r, CID: c, Data: data})
	}
	return out, nil
}

// ingestLogs adds the bundle's log entries of keys the repo follows to its
// logs, in the import's transaction, each chain checked like a fetched one
// (docs/logs.md §3), one log at a time. Proofs of equivocation they reveal
// are in the Txn, where the verification of the packages sees them.
func (im *importer) ingestLogs(ctx context.Context) error {
	for _, signer := range slices.Sorted(maps.Keys(im.logs)) {
		refs := im.logs[signer]
		slices.SortFunc(refs, func(a, b entryRef) int { return cmp.Compare(a.seq, b.seq) })
		chain := make([]logs.Block, 0, len(refs))
		for _, r := range refs {
			data, err := im.cfg.Store.Block(ctx, r.cid)
			if err != nil {
				return err
			}
			b, err := logs.Check(r.cid, data, signer)
			if err != nil {
				return fmt.Errorf("%w: the log of %s: %w", ErrInvalidBundle, signer, err)
			}
			chain = append(chain, b)
			im.nodes[r.cid] = true
		}
		res, err := logs.IngestInto(ctx, im.cfg.Store, im.tx, chain)
		if err != nil {
			return fmt.Errorf("%w: the log of %s: %w", ErrInvalidBundle, signer, err)
		}
		im.res.LogEntries += len(res.Added)
	}
	return nil
}

// roots takes in each root: a package with its closure, verified; content
// checked complete (unless noPin) and pinned (unless noPin).
func (im *importer) roots(ctx context.Context, noPin bool) error {
	im.res.Unpinned = noPin
	for _, c := range im.res.Roots {
		isPkg, err := im.isPackage(ctx, c)
		if err != nil {
			return err
		}
		switch {
		case !isPkg:
			if noPin {
				if err := im.cache(ctx, c); err != nil {
					return err
				}
			} else {
				if err := im.content(ctx, c); err != nil {
					return err
				}
				im.tx.Pin(c, store.PinContent)
			}
			im.res.Content = append(im.res.Content, c)
		default:
			pkg, err := im.pkg(ctx, c, 0)
			if err != nil {
				return err
			}
			rep, err := trust.Verify(ctx, trust.TxSource{Store: im.cfg.Store, Tx: im.tx}, im.pol, c, im.cfg.Events)
			if err != nil {
				return err
			}
			im.res.Packages = append(im.res.Packages, ImportedPackage{Package: c, Name: pkg.Name.String(), Version: pkg.Version, Report: rep})
		}
	}
	return nil
}

// isPackage reports whether root c is a Cairn package: a DAG-CBOR block, in
// the bundle or the repo, whose type is a package's (it must then decode as
// one). Another Cairn node (a metadata set, a signature, a log entry) is
// refused: it is imported with the package it belongs to. Anything else, a
// root whose block is missing included, is content.
func (im *importer) isPackage(ctx context.Context, c cid.Cid) (bool, error) {
	if c.Prefix().Codec != cid.DagCBOR {
		return false, nil
	}
	if im.pkgs[c] {
		return true, nil
	}
	data, inCID := identity(c)
	if !inCID {
		var err error
		data, err = im.cfg.Store.Block(ctx, c)
		if store.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
	kind, err := dag.Sniff(c, data)
	switch {
	case err != nil:
		return false, nil // not a Cairn node
	case kind != dag.NodePackage:
		return false, fmt.Errorf("%w: root %s is not a package but a Cairn %s (bundle the package it belongs to)", ErrInvalidBundle, c, kind)
	}
	return true, nil
}

// pkg takes in package c: its content must be complete; it, its content, and
// the bundle's metadata sets and signatures for it are pinned and indexed
// (written at Commit, if everything verifies); then the inputs its trusted
// metadata sets name that the bundle holds are taken in the same way.
func (im *importer) pkg(ctx context.Context, c cid.Cid, depth int) (*dag.Package, error) {
	data, err := im.cfg.Store.Block(ctx, c)
	if store.IsNotFound(err) {
		return nil, fmt.Errorf("%w: incomplete bundle: package %s is neither in the bundle nor in the repo", ErrInvalidBundle, c)
	}
	if err != nil {
		return nil, err
	}
	p, err := dag.DecodePackage(data)
	if err != nil {
		return nil, fmt.Errorf("%w: root %s is not a package: %w", ErrInvalidBundle, c, err)
	}
	if im.done[c] {
		return p, nil
	}
	im.done[c] = true
	for _, l := range p.Layers {
		if err := im.content(ctx, l.Content); err != nil {
			return nil, fmt.Errorf("layer %q of %s: %w", l.Name, p.Ref(), err)
		}
		im.tx.Pin(l.Content, store.PinContent)
	}
	im.tx.Pin(c, store.PinPackage)
	im.nodes[c] = true
	im.tx.SetVersion(p.Ref(), c) // committed only if every root verifies
	for _, mc := range im.metas[c] {
		vouched, err := im.vouched(ctx, p.Name, mc)
		if err != nil {
			return nil, err
		}
		if !vouched {
			im.res.DroppedMetadata++
			continue
		}
		im.tx.AddReferrer(c, mc, dag.NodeMetadata)
		im.tx.Pin(mc, store.PinMetadata)
		im.nodes[mc] = true
		for _, sc := range im.sigs[mc] {
			im.tx.AddReferrer(mc, sc, dag.NodeSignature)
			im.tx.Pin(sc, store.PinSignature)
			im.nodes[sc] = true
		}
	}
	if depth >= sign.MaxProvenanceDepth {
		return p, nil
	}
	// As a fetch does, follow the inputs of trusted metadata sets only: only
	// those count in verification.
	inputs, err := trust.TrustedInputs(ctx, trust.TxSource{Store: im.cfg.Store, Tx: im.tx}, im.pol, c)
	if err != nil {
		return nil, err
	}
	for _, in := range inputs {
		if !im.pkgs[in] || im.done[in] {
			continue // not in the bundle: the verifier reads the repo
		}
		if _, err := im.pkg(ctx, in, depth+1); err != nil {
			return nil, fmt.Errorf("input %s of %s: %w", in, p.Ref(), err)
		}
	}
	return p, nil
}

// vouched reports whether one of the bundle's signatures of metadata set mc
// vouches for it (trust.Vouches).
func (im *importer) vouched(ctx context.Context, name dag.Name, mc cid.Cid) (bool, error) {
	for _, sc := range im.sigs[mc] {
		data, err := im.cfg.Store.Block(ctx, sc)
		if err != nil {
			return false, err
		}
		if s, err := dag.DecodeSignature(data); err == nil && trust.Vouches(im.pol, name, mc, s) {
			return true, nil
		}
	}
	return false, nil
}

// strays counts the blocks of the bundle that no root reaches.
func (im *importer) strays() int {
	n := 0
	for c := range im.inBundle {
		if !im.walked[c] && !im.nodes[c] {
			n++
		}
	}
	return n
}

// content checks that every block of the DAG under root is in the bundle or
// the repo.
func (im *importer) content(ctx context.Context, root cid.Cid) error {
	err := walkContent(ctx, root, im.walked, im.visit(ctx), nil)
	if store.IsNotFound(err) {
		// %v: the bundle is invalid (exit 2); the repo's lookup that found
		// nothing is not the error's kind (it would make it not found, exit 4).
		return fmt.Errorf("%w: incomplete bundle: content %s lacks a block: %v", ErrInvalidBundle, root, err)
	}
	if err != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w: content %s: %w", ErrInvalidBundle, root, err)
	}
	return err
}

// cache walks the DAG under root as content does, but a block that is
// neither in the bundle nor in the repo is noted (ImportResult.Incomplete)
// rather than an error: what is there is kept, unpinned.
func (im *importer) cache(ctx context.Context, root cid.Cid) error {
	inc := IncompleteContent{Root: root}
	err := walkContent(ctx, root, im.walked, im.visit(ctx), func(c cid.Cid, err error) bool {
		if !store.IsNotFound(err) {
			return false
		}
		if inc.Missing == 0 {
			inc.First = c
		}
		inc.Missing++
		return true
	})
	if err != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w: content %s: %w", ErrInvalidBundle, root, err)
	}
	if err != nil {
		return err
	}
	if inc.Missing > 0 {
		im.res.Incomplete = append(im.res.Incomplete, inc)
		im.res.Warnings = append(im.res.Warnings, fmt.Sprintf("content %s lacks %d block(s) (the first: %s); what the bundle holds of it is kept, unpinned", root, inc.Missing, inc.First))
	}
	return nil
}

// visit is the walk's visit of block c: its bytes, read back (checked), when
// it may link; for a leaf (raw, CBOR, JSON) only whether it is there (a
// leaf of the bundle was checked as it was read). A block neither in the
// bundle nor in the repo wraps store.ErrNotFound.
func (im *importer) visit(ctx context.Context) func(c cid.Cid) ([]byte, error) {
	return func(c cid.Cid) ([]byte, error) {
		if leaf(c) {
			if im.inBundle[c] {
				return nil, nil
			}
			if ok, err := im.cfg.Store.Has(ctx, c); err != nil || ok {
				return nil, err
			}
			return nil, fmt.Errorf("%w: block %s", store.ErrNotFound, c)
		}
		return im.cfg.Store.Block(ctx, c)
	}
}

// bundleError explains a failure to read the CAR: the byte limit, a
// truncation, or malformed bytes.
func bundleError(cr *limitedReader, where string, err error) error {
	switch {
	case cr.err != nil:
		return fmt.Errorf("%w: %s: %w", ErrInvalidBundle, where, cr.err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: truncated: the CAR ends inside %s", ErrInvalidBundle, where)
	}
	return fmt.Errorf("%w: %s: %w", ErrInvalidBundle, where, err)
}

// limitedReader counts the bytes read through it and fails once more than
// max have been asked for.
type limitedReader struct {
	r   *bufio.Reader
	n   int64
	max int64
	err error // the limit error, once hit
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if room := l.max - l.n; int64(len(p)) > room {
		if room <= 0 {
			if _, err := l.r.Peek(1); err != nil {
				return 0, err // at the end anyway
			}
			l.err = fmt.Errorf("the CAR is larger than the %d bytes allowed", l.max)
			return 0, l.err
		}
		p = p[:room]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

func (l *limitedReader) ReadByte() (byte, error) {
	var b [1]byte
	if _, err := io.ReadFull(l, b[:]); err != nil {
		return 0, err
	}
	return b[0], nil
}

package content

import (
	"context"
	"io"

	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	ipld "github.com/ipfs/go-ipld-format"
)

// ImportReader imports one file's bytes, read from r until EOF, with the
// unixfs-v1-2025 profile and writes its blocks to dst. Writes are batched and
// all done when it returns; after an error some blocks may have been written,
// and none is written after it returns. r is read on another goroutine, but
// not after ImportReader returns (it waits for a Read in progress).
// Cancellation is checked between chunks.
func ImportReader(ctx context.Context, dst ipld.DAGService, r io.Reader, opts ...Option) (Result, error) {
	im := newImporter(ctx, dst, newImportConfig(opts))
	_, res, err := im.file(r)
	if err != nil {
		im.batch.abort()
		return Result{}, err
	}
	if err := im.batch.commit(); err != nil {
		return Result{}, err
	}
	return res, nil
}

// importer holds the state of one ImportReader or ImportPath call.
type importer struct {
	ctx      context.Context
	batch    *batch
	progress progress
}

func newImporter(ctx context.Context, dst ipld.DAGService, cfg importConfig) *importer {
	return &importer{
		ctx:      ctx,
		batch:    newBatch(ctx, dst),
		progress: progress{fn: cfg.progress},
	}
}

// file builds the balanced DAG of r's bytes while a second goroutine reads
// them and computes their plain SHA-256.
func (im *importer) file(r io.Reader) (ipld.Node, Result, error) {
	spl := newHashingSplitter(im.ctx, r, &im.progress)
	params := helpers.DagBuilderParams{
		Dagserv:    im.batch.dag,
		Maxlinks:   MaxLinks,
		RawLeaves:  true,
		CidBuilder: leafBuilder{Prefix: cidBuilder(), s: spl},
	}
	db, err := params.New(spl)
	if err != nil {
		spl.finish()
		return nil, Result{}, err
	}
	nd, err := balanced.Layout(db)
	n, sum := spl.finish()
	if err != nil {
		return nil, Result{}, err
	}
	return nd, Result{Root: nd.Cid(), Size: uint64(n), SHA256: sum}, nil
}

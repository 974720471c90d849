package content

import (
	"context"
	"fmt"
	"io"
	"sync"

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
	_, res, err := im.file(newHashingSplitter(ctx, r, &im.progress))
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
	mapFiles bool
	maps     *mappings
}

func newImporter(ctx context.Context, dst ipld.DAGService, cfg importConfig) *importer {
	maps := new(mappings)
	var written func([]ipld.Node)
	if cfg.mapFiles {
		written = maps.written
	}
	return &importer{
		ctx:      ctx,
		batch:    newBatch(ctx, dst, written),
		progress: progress{fn: cfg.progress},
		mapFiles: cfg.mapFiles,
		maps:     maps,
	}
}

// file builds the balanced DAG of the splitter's chunks while its goroutines
// read and hash them and compute their plain SHA-256.
func (im *importer) file(spl *hashingSplitter) (ipld.Node, Result, error) {
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
	n, sum, ferr := spl.finish()
	if err == nil {
		err = ferr
	}
	if err != nil {
		return nil, Result{}, err
	}
	return nd, Result{Root: nd.Cid(), Size: uint64(n), SHA256: sum}, nil
}

// mappings are the files an import mapped (MapFiles), by path. They are
// unmapped once the batch is committed or aborted: until then it may hold
// their chunks.
type mappings struct {
	mu    sync.Mutex
	maps  []*mapped
	paths []string
}

func (ms *mappings) add(m *mapped, path string) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.maps, ms.paths = append(ms.maps, m), append(ms.paths, path)
}

// written is called once nds are in dst, which copied them: the store is
// done with the nodes whose bytes are a mapped file's chunk (mapped.release).
func (ms *mappings) written(nds []ipld.Node) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	for _, nd := range nds {
		for _, m := range ms.maps {
			if m.release(nd.RawData()) {
				break
			}
		}
	}
	// A file read whole is unmapped (mapped.release): a directory of many
	// large files keeps its list, searched for every node, short.
	live := 0
	for i, m := range ms.maps {
		if !m.unmapped() {
			ms.maps[live], ms.paths[live] = m, ms.paths[i]
			live++
		}
	}
	clear(ms.maps[live:])
	ms.maps, ms.paths = ms.maps[:live], ms.paths[:live]
}

// unmap removes the mappings left, once nothing uses their bytes. If err is
// not nil and a mapped file shrank, the error says so instead: the failure
// is a read that faulted, or a write that the kernel refused (EFAULT).
func (ms *mappings) unmap(err error) error {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	for i, m := range ms.maps {
		if err != nil && m.shrank() {
			err = fmt.Errorf("%w: %s", ErrFileChanged, ms.paths[i])
		}
		m.unmap()
	}
	ms.maps, ms.paths = nil, nil
	return err
}

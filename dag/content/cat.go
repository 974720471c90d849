package content

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"

	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// asyncHashMin is the declared file size from which Cat and Export hash on a
// separate goroutine; below it, the goroutine and its buffers cost more than
// they save.
const asyncHashMin = 4 << 20

// Cat streams the bytes of the file under root to w and returns their number
// and SHA-256. A directory is an error (ErrIsDir). src must verify that blocks
// match their CIDs (a blockservice does); the returned SHA-256 is of the bytes
// actually written, for the caller to check against what it expects.
func Cat(ctx context.Context, src ipld.NodeGetter, root cid.Cid, w io.Writer) (n int64, sum []byte, err error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	nd, err := src.Get(ctx, root)
	if err != nil {
		return 0, nil, err
	}
	k, err := kindOf(nd, root.String())
	if err != nil {
		return 0, nil, err
	}
	if k == kindDir {
		return 0, nil, fmt.Errorf("%w: %s", ErrIsDir, root)
	}
	return streamFile(ctx, src, nd, w, true)
}

// streamFile writes the file rooted at nd to w, node by node, and checks that
// the byte count is the size the root declares. With hash set it also returns
// the SHA-256 of the bytes.
func streamFile(ctx context.Context, src ipld.NodeGetter, nd ipld.Node, w io.Writer, hash bool) (int64, []byte, error) {
	dr, err := uio.NewDagReader(ctx, nd, src)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %s: %v", ErrNotUnixFS, nd.Cid(), err)
	}
	defer dr.Close()
	size := dr.Size()
	w = ctxWriter{ctx: ctx, w: w}

	var (
		n   int64
		sum []byte
	)
	switch {
	case !hash:
		n, err = dr.WriteTo(w)
	case size < asyncHashMin:
		h := sha256.New()
		n, err = dr.WriteTo(io.MultiWriter(w, h))
		sum = h.Sum(nil)
	default:
		hw := newHashWriter(ctx)
		n, err = dr.WriteTo(io.MultiWriter(w, hw))
		if err != nil {
			hw.abort()
		} else {
			sum, err = hw.finish()
		}
	}
	if err != nil {
		return n, nil, err
	}
	if uint64(n) != size {
		return n, nil, fmt.Errorf("%w: %s holds %d bytes but declares %d", ErrMalformed, nd.Cid(), n, size)
	}
	return n, sum, nil
}

// ctxWriter fails writes once ctx is done, so that a long copy from a source
// that ignores ctx still stops.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

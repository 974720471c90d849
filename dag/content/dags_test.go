package content

import (
	"context"
	"sync/atomic"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/go-cid"
	"github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	ipld "github.com/ipfs/go-ipld-format"
)

// memDAG returns a DAG service over an in-memory blockstore.
func memDAG() ipld.DAGService {
	bs := blockstore.NewBlockstore(dssync.MutexWrap(datastore.NewMapDatastore()))
	return merkledag.NewDAGService(blockservice.New(bs, nil))
}

// discardDAG stores nothing, like Kubo's --only-hash; it counts what it is given.
// Batches commit concurrently, hence the atomics.
type discardDAG struct {
	blocks, bytes atomic.Int64
}

func (d *discardDAG) Add(_ context.Context, nd ipld.Node) error {
	d.blocks.Add(1)
	d.bytes.Add(int64(len(nd.RawData())))
	return nil
}

func (d *discardDAG) AddMany(ctx context.Context, nds []ipld.Node) error {
	for _, nd := range nds {
		_ = d.Add(ctx, nd)
	}
	return nil
}

func (*discardDAG) Get(_ context.Context, c cid.Cid) (ipld.Node, error) {
	return nil, ipld.ErrNotFound{Cid: c}
}

func (*discardDAG) GetMany(_ context.Context, cs []cid.Cid) <-chan *ipld.NodeOption {
	ch := make(chan *ipld.NodeOption, len(cs))
	for _, c := range cs {
		ch <- &ipld.NodeOption{Err: ipld.ErrNotFound{Cid: c}}
	}
	close(ch)
	return ch
}

func (*discardDAG) Remove(context.Context, cid.Cid) error       { return nil }
func (*discardDAG) RemoveMany(context.Context, []cid.Cid) error { return nil }

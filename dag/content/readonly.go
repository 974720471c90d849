package content

import (
	"context"
	"errors"

	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// errReadOnly is returned by readOnlyDAG's writes, which directory reading
// never makes.
var errReadOnly = errors.New("read-only dag service")

// readOnlyDAG lets a NodeGetter serve where boxo's directory reader wants a
// DAGService.
type readOnlyDAG struct{ ipld.NodeGetter }

func (readOnlyDAG) Add(context.Context, ipld.Node) error        { return errReadOnly }
func (readOnlyDAG) AddMany(context.Context, []ipld.Node) error  { return errReadOnly }
func (readOnlyDAG) Remove(context.Context, cid.Cid) error       { return errReadOnly }
func (readOnlyDAG) RemoveMany(context.Context, []cid.Cid) error { return errReadOnly }

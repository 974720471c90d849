// Command importprobe imports a file into a discarding DAG service and prints
// wall and CPU time, to separate the importer's cost from the store's in
// benchmarks (scripts/bench-import.sh measures the whole publish).
//
//	go run ./scripts/importprobe FILE
package main

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/cairnpkg/cairn/dag/content"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

type discard struct{}

func (discard) Add(context.Context, ipld.Node) error            { return nil }
func (discard) AddMany(context.Context, []ipld.Node) error      { return nil }
func (discard) Get(context.Context, cid.Cid) (ipld.Node, error) { return nil, ipld.ErrNotFound{} }
func (discard) Remove(context.Context, cid.Cid) error           { return nil }
func (discard) RemoveMany(context.Context, []cid.Cid) error     { return nil }
func (discard) GetMany(context.Context, []cid.Cid) <-chan *ipld.NodeOption {
	ch := make(chan *ipld.NodeOption)
	close(ch)
	return ch
}

func cpu() (user, sys time.Duration) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: importprobe FILE")
		os.Exit(2)
	}
	u0, s0 := cpu()
	t0 := time.Now()
	res, err := content.ImportPath(context.Background(), discard{}, os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	u1, s1 := cpu()
	wall := time.Since(t0)
	fmt.Printf("root %s\nwall %v user %v sys %v MBps %.0f\n", res.Root, wall.Round(time.Millisecond),
		(u1 - u0).Round(time.Millisecond), (s1 - s0).Round(time.Millisecond), float64(res.Size)/1e6/wall.Seconds())
}

package content

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
)

func ExampleImportReader() {
	ctx := context.Background()
	dag := memDAG() // any ipld.DAGService, e.g. merkledag over a blockservice

	res, err := ImportReader(ctx, dag, strings.NewReader("hello\n"))
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Root, res.Size)

	var out bytes.Buffer
	n, sum, err := Cat(ctx, dag, res.Root, &out)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d %q %s\n", n, out.String(), hex.EncodeToString(sum)[:16])
	// Output:
	// bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am 6
	// 6 "hello\n" 5891b5b522d5df08
}

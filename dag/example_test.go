package dag_test

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/cairnpkg/cairn/dag"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// Encode a package, check the bytes against their CID, and decode them back.
func Example() {
	file := []byte("hello, world\n")
	// The content layer: here a single raw block, as the UnixFS importer makes for
	// a small file (see dag/content).
	content, err := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: mh.SHA2_256, MhLength: -1}.Sum(file)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(file)

	name, err := dag.ParseName("acme/hello")
	if err != nil {
		panic(err)
	}
	pkg := &dag.Package{Name: name, Version: "1.0.0", Layers: []dag.Layer{{
		Name: "hello.txt", MediaType: "text/plain", Size: uint64(len(file)), SHA256: sum[:], Content: content,
	}}}
	data, c, err := pkg.Encode()
	if err != nil {
		panic(err)
	}
	fmt.Println("cid:", c)

	// Later, bytes arrive from a peer under that CID.
	if err := dag.CheckBlock(c, data); err != nil {
		panic(err)
	}
	kind, err := dag.Sniff(c, data)
	if err != nil {
		panic(err)
	}
	got, err := dag.DecodePackage(data)
	if err != nil {
		panic(err)
	}
	fmt.Println(kind, got.Ref(), got.Layers[0].Name, got.Layers[0].Size, "bytes")

	// Decoding is strict: one extra byte is an error.
	_, err = dag.DecodePackage(append(data, 0))
	fmt.Println(errors.Is(err, dag.ErrMalformed))
	// Output:
	// cid: bafyreih4dcftkwuvdjyjjft4jxfunwokf7lijojglwj6odzjwlpb66z4du
	// package acme/hello@1.0.0 hello.txt 13 bytes
	// true
}

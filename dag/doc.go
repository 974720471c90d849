// Package dag defines Cairn's Merkle-layer node types and their one true encoding.
//
// A Cairn package is published as four layers of content-addressed blocks, each
// layer pointing at the one below it by CID:
//
//	Signature    one signer's Ed25519 signature over a MetadataSet's CID
//	    |
//	MetadataSet  open-ended facts about a package: build, license, review, ...,
//	    |        and the packages it was made from (provenance)
//	Package      name, version, and the layers (files or directories) it ships
//	    |
//	content      the layers' bytes as UnixFS (dag-pb and raw blocks); see dag/content
//
// Because each layer commits to the CID of the one below, a signature over a
// metadata set also covers the package and every byte of its content. A metadata
// set can have any number of signatures, and a package any number of metadata
// sets, so facts and signatures can be added later without changing the package's
// CID.
//
// # Encoding
//
// Package, MetadataSet and Signature nodes are DAG-CBOR, described by the IPLD
// schema in schema.ipldsch (docs/formats.md is its prose specification), and are
// addressed by CIDv1 with the DAG-CBOR codec and a sha2-256 multihash (Prefix).
// Each node has a "type" field naming its kind and version, such as
// "cairn/package@1". Encode methods validate a node and return its canonical
// bytes and CID; the bytes of a given node never change, which the golden files in
// testdata/golden pin.
//
// # Strict decoding
//
// DecodePackage, DecodeMetadataSet and DecodeSignature take untrusted bytes, as
// received from a peer or read from disk, and accept exactly the bytes Encode
// would produce for some valid node. Anything else is an error that wraps one of
// the sentinels in errors.go, so callers test with errors.Is:
//
//   - ErrTooLarge: input over MaxNodeSize, or a field or collection over its limit;
//   - ErrTooDeep: maps and lists nested over MaxDepth, or entries over MaxEntriesDepth;
//   - ErrMalformed: not DAG-CBOR, trailing bytes, wrong field types, missing or
//     unknown fields, non-minimal integers, duplicate map keys;
//   - ErrNotCanonical: DAG-CBOR that does not re-encode to the same bytes, such as
//     unsorted map keys, so that one node has exactly one CID;
//   - ErrWrongKind: a "type" field naming another node kind or version;
//   - ErrInvalidName, ErrInvalidVersion, ErrInvalidField: values that break the
//     rules of docs/formats.md (package names, semantic versions, layer rules,
//     timestamps).
//
// Decoding checks the shape of a node, not whether it can be trusted: checking that
// bytes match a CID is CheckBlock's job, and verifying signatures is the sign
// package's. Sniff tells which kind of node a block is before decoding it.
//
// # Example
//
// Encode a package and decode it back:
//
//	name, _ := dag.ParseName("acme/hello")
//	pkg := &dag.Package{Name: name, Version: "1.0.0", Layers: []dag.Layer{{
//		Name: "hello.wasm", MediaType: "application/wasm",
//		Size: uint64(len(wasm)), SHA256: sum[:], Content: contentCID,
//	}}}
//	data, c, err := pkg.Encode() // canonical DAG-CBOR and its CID
//	if err != nil {
//		return err
//	}
//	// ... store data under c, send it to a peer ...
//	if err := dag.CheckBlock(c, data); err != nil { // the bytes are the ones named
//		return err
//	}
//	got, err := dag.DecodePackage(data) // strict: errors.Is(err, dag.ErrMalformed), ...
//	if err != nil {
//		return err
//	}
//	fmt.Println(got.Ref()) // acme/hello@1.0.0
//
// Metadata entries are built from JSON or TOML with ParseEntries, and shown with
// EntriesJSON. testing.go has fixtures (TestPackage, TestEntries, TestTime) for
// tests in other packages.
package dag

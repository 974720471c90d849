package dagstream

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/dag"
)

// FuzzDecodeRequest: a request from a peer never panics the server, and what
// decodes re-encodes to a request that decodes to the same roots.
func FuzzDecodeRequest(f *testing.F) {
	c, _ := dag.Prefix.Sum([]byte("root"))
	good, _ := encodeRequest([]cid.Cid{c, c})
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{0xa1, 0x65, 'r', 'o', 'o', 't', 's', 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		roots, err := decodeRequest(data)
		if err != nil {
			return
		}
		if len(roots) == 0 || len(roots) > MaxRoots {
			t.Fatalf("decoded %d roots", len(roots))
		}
		again, err := encodeRequest(roots)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeRequest(again)
		if err != nil || len(back) != len(roots) {
			t.Fatalf("re-decode: %v %v", back, err)
		}
	})
}

// FuzzReadBlock: a block frame from a peer never panics the client and never
// yields more than MaxBlockSize bytes.
func FuzzReadBlock(f *testing.F) {
	c, _ := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: mh.SHA2_256, MhLength: -1}.Sum([]byte("leaf"))
	var buf bytes.Buffer
	writeBlock(&buf, c, []byte("leaf"))
	f.Add(buf.Bytes())
	f.Add([]byte{0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, b, err := readBlock(bufio.NewReader(bytes.NewReader(data)), MaxBlockSize)
		if err != nil || !c.Defined() {
			return
		}
		if len(b) > MaxBlockSize {
			t.Fatalf("%d bytes accepted", len(b))
		}
	})
}

// FuzzLinks: links of any bytes under any of the walk's codecs never panic.
func FuzzLinks(f *testing.F) {
	f.Add([]byte{}, uint64(cid.DagProtobuf))
	f.Add([]byte{0x12, 0x00}, uint64(cid.DagProtobuf))
	f.Add([]byte{0xa0}, uint64(cid.DagCBOR))
	f.Add([]byte{0xa1, 0x61, 0x61, 0xd8, 0x2a, 0x45, 0x00, 0x01, 0x55, 0x00, 0x00}, uint64(cid.DagCBOR)) // {"a": identity link}
	f.Add([]byte(`{"a":{"/":"bafkqaaa"},"b":[{"/":{"bytes":"AA"}}]}`), uint64(cid.DagJSON))
	f.Fuzz(func(t *testing.T, data []byte, codec uint64) {
		c, err := cid.Prefix{Version: 1, Codec: codec, MhType: mh.SHA2_256, MhLength: -1}.Sum(data)
		if err != nil {
			return
		}
		Links(c, data)
	})
}

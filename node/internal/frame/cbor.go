package frame

import (
	"bytes"

	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	"github.com/ipld/go-ipld-prime/node/basicnode"
)

// EncodeMap builds a map of size entries with fn (go-ipld-prime's qp) and
// encodes it as DAG-CBOR, the body of a request or an answer.
//
//	b, err := frame.EncodeMap(1, func(ma datamodel.MapAssembler) {
//		qp.MapEntry(ma, "roots", qp.List(...))
//	})
func EncodeMap(size int64, fn func(datamodel.MapAssembler)) ([]byte, error) {
	n, err := qp.BuildMap(basicnode.Prototype.Map, size, fn)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := dagcbor.Encode(n, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

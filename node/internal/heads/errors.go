package heads

import "errors"

// Errors returned by this package. Detail is added with
// fmt.Errorf("%w: ...", ErrX), so callers test with errors.Is.
var (
	// ErrMalformed: a message that is not the DAG-CBOR list of
	// {"signer", "seq", "head"} maps docs/protocols.md specifies: not strict
	// DAG-CBOR, trailing bytes, not a list, an element not a map, an unknown
	// or missing field, a field of the wrong kind, signers out of order.
	ErrMalformed = errors.New("heads: malformed message")
	// ErrInvalidHead: a head whose field breaks a rule: seq outside 1 to
	// MaxSeq, a signer that is not a did:key of at most MaxSignerLength
	// bytes, a link that is not CIDv1 dag-cbor sha2-256.
	ErrInvalidHead = errors.New("heads: invalid head")
	// ErrDuplicateSigner: two heads for one signer in one message.
	ErrDuplicateSigner = errors.New("heads: duplicate signer")
	// ErrTooLarge: more than MaxHeads heads, or a message above its byte limit.
	ErrTooLarge = errors.New("heads: message too large")
)

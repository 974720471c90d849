package dag

import "errors"

// Errors returned by this package. Detail is added with fmt.Errorf("%w: ...", ErrX),
// so callers test with errors.Is.
var (
	// ErrMalformed: bytes that are not a valid DAG-CBOR encoding of the expected node
	// (wrong types, missing or unknown fields, trailing bytes).
	ErrMalformed = errors.New("malformed node")
	// ErrNotCanonical: valid DAG-CBOR that does not re-encode to the same bytes.
	// Cairn accepts only the canonical form, so one node has exactly one CID.
	ErrNotCanonical = errors.New("node is not canonically encoded")
	// ErrTooLarge: a node, a string or a collection above its documented limit.
	ErrTooLarge = errors.New("node too large")
	// ErrTooDeep: maps and lists nested deeper than MaxDepth, or entries nested
	// deeper than MaxEntriesDepth.
	ErrTooDeep = errors.New("node nested too deeply")
	// ErrWrongKind: the node's "type" field names another kind of node or version.
	ErrWrongKind = errors.New("wrong node kind")
	// ErrInvalidName: a package name outside the grammar in docs/formats.md.
	ErrInvalidName = errors.New("invalid package name")
	// ErrInvalidVersion: a version that is not semantic versioning 2.0.0.
	ErrInvalidVersion = errors.New("invalid version")
	// ErrInvalidField: a field whose value breaks a rule of its node type.
	ErrInvalidField = errors.New("invalid field")
	// ErrInvalidCID: a string that is not a CID, or a CID Cairn does not accept there.
	ErrInvalidCID = errors.New("invalid cid")
	// ErrHashMismatch: bytes that do not hash to the CID they were stored or sent under.
	ErrHashMismatch = errors.New("block does not match its cid")
)

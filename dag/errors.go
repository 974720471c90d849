package dag

import (
	"errors"

	"github.com/cairnpkg/cairn/internal/errkind"
)

// Errors returned by this package. Detail is added with fmt.Errorf("%w: ...", ErrX),
// so callers test with errors.Is. Those about input that breaks a rule
// (malformed, too large or deep, an invalid name, version, field or CID) are
// of kind errkind.Invalid.
var (
	// ErrMalformed: bytes that are not a valid DAG-CBOR encoding of the expected node
	// (wrong types, missing or unknown fields, trailing bytes).
	ErrMalformed = errkind.New("malformed node", errkind.Invalid)
	// ErrNotCanonical: valid DAG-CBOR that does not re-encode to the same bytes.
	// Cairn accepts only the canonical form, so one node has exactly one CID.
	ErrNotCanonical = errors.New("node is not canonically encoded")
	// ErrTooLarge: a node, a string or a collection above its documented limit.
	ErrTooLarge = errkind.New("node too large", errkind.Invalid)
	// ErrTooDeep: maps and lists nested deeper than MaxDepth, or entries nested
	// deeper than MaxEntriesDepth.
	ErrTooDeep = errkind.New("node nested too deeply", errkind.Invalid)
	// ErrWrongKind: the node's "type" field names another kind of node or version.
	ErrWrongKind = errors.New("wrong node kind")
	// ErrInvalidName: a package name outside the grammar in docs/formats.md.
	ErrInvalidName = errkind.New("invalid package name", errkind.Invalid)
	// ErrInvalidVersion: a version that is not semantic versioning 2.0.0.
	ErrInvalidVersion = errkind.New("invalid version", errkind.Invalid)
	// ErrInvalidField: a field whose value breaks a rule of its node type.
	ErrInvalidField = errkind.New("invalid field", errkind.Invalid)
	// ErrInvalidCID: a string that is not a CID, or a CID Cairn does not accept there.
	ErrInvalidCID = errkind.New("invalid cid", errkind.Invalid)
	// ErrHashMismatch: bytes that do not hash to the CID they were stored or sent under.
	ErrHashMismatch = errors.New("block does not match its cid")
)

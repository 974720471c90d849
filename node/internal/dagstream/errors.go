package dagstream

import "errors"

var (
	// ErrUnexpected: the peer sent something other than the next block of the
	// walk (another CID, bytes that do not hash to the CID, a frame too
	// large, an early end), or a request broke the rules.
	ErrUnexpected = errors.New("dagstream: unexpected data")
	// ErrIncomplete: the stream ended (reset, closed or timed out) before
	// every block of the walk arrived. The blocks already put are good.
	ErrIncomplete = errors.New("dagstream: transfer incomplete")
	// ErrUnsupported: a block's codec is not one the walk knows how to follow.
	ErrUnsupported = errors.New("dagstream: unsupported codec")
	// ErrTooDeep: a DAG deeper than MaxDepth below a root.
	ErrTooDeep = errors.New("dagstream: DAG too deep")
)

// ErrNotAsked: a peer asked for single nodes sent a block below them (the
// node was a package, whose content the walk follows). The transfer ends.
var ErrNotAsked = errors.New("dagstream: block not asked for")

// ErrNotSupported: the peer does not speak the protocol asked for (as far
// as identify says).
var ErrNotSupported = errors.New("dagstream: protocol not supported by the peer")

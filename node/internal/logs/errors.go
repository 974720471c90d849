package logs

import (
	"errors"

	"github.com/cairnpkg/cairn/internal/errkind"
)

// ErrBadLog: a publisher-log entry that does not decode, is not signed by
// its log's key, or does not follow the entry before it.
var ErrBadLog = errors.New("bad publisher log entry")

// MaxWalk bounds the entries one catch-up fetches of a log beyond what the
// node holds (docs/logs.md): a longer gap fails with a clear error rather
// than holding an unbounded chain in memory.
const MaxWalk = 10000

// MaxLongWalk bounds the entries one catch-up by WalkLong fetches of a log
// beyond what the node holds: it keeps a CID (about 50 bytes) of each in
// memory.
const MaxLongWalk = 1_000_000

// ErrKeyRetired: a key that rotated to another or was revoked signs nothing
// more (errkind.Invalid).
var ErrKeyRetired = errkind.New("key is rotated or revoked", errkind.Invalid)

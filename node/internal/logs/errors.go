package logs

import "errors"

// ErrBadLog: a publisher-log entry that does not decode, is not signed by
// its log's key, or does not follow the entry before it.
var ErrBadLog = errors.New("bad publisher log entry")

// MaxWalk bounds the entries one catch-up fetches of a log beyond what the
// node holds (docs/logs.md): a longer gap fails with a clear error rather
// than holding an unbounded chain in memory.
const MaxWalk = 10000

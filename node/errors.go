package node

import (
	"errors"

	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/node/internal/api"
	"github.com/cairnpkg/cairn/node/internal/bundle"
	"github.com/cairnpkg/cairn/node/internal/fetch"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/repolock"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
)

// The kinds of every error a node operation returns, whichever layer made
// it (dag, sign or a part of the node): one errors.Is tells a caller what
// went wrong. The CLI turns them into exit codes (docs/cli.md).
var (
	// ErrInvalidInput: a path, file, argument, config, bundle or request that
	// breaks a rule; the same input fails again. dag's and sign's errors
	// about input (dag.ErrInvalidCID, sign.ErrMalformedKey, …) are of this
	// kind too.
	ErrInvalidInput = errkind.Invalid
	// ErrNotFound: no such package, version, key, block or repo.
	ErrNotFound = errkind.NotFound
	// ErrUntrusted: the policy does not trust the package (it was not kept,
	// and the result's report says why), or its name is disputed
	// (ErrEquivocation).
	ErrUntrusted = errkind.Untrusted
	// ErrTimeout: the work did not finish in its time (a fetch's timeout).
	ErrTimeout = errkind.Timeout
	// ErrStale: the rule that decides a name has a max_age, and nothing was
	// heard from its keys for longer: the name does not resolve.
	ErrStale = errkind.Stale
)

// The errors of this package and its parts, each of one of the kinds above
// but ErrRepoExists, ErrRepoLocked, ErrVersionExists, ErrLayerMismatch and
// ErrNoDaemon; detail is added with
// fmt.Errorf("%w: ...", ErrX).
var (
	// ErrNoRepo: the repo directory has not been initialized (ErrNotFound).
	ErrNoRepo = errkind.New("no cairn repo", errkind.NotFound)
	// ErrRepoExists: init on a directory that already holds a repo.
	ErrRepoExists = errors.New("repo already exists")
	// ErrRepoLocked: another process holds the repo.
	ErrRepoLocked = repolock.ErrLocked
	// ErrInvalidConfig: a config.toml that breaks a rule of docs/repo.md.
	ErrInvalidConfig = errkind.New("invalid config", errkind.Invalid)
	// ErrVersionExists: name@version already names another package in the repo.
	ErrVersionExists = store.ErrVersionExists
	// ErrNotPackage: a CID that names something other than a package where a
	// package was expected.
	ErrNotPackage = store.ErrNotPackage
	// ErrLayerMismatch: a layer's content is not what its package records (kind,
	// size or SHA-256): the package was built wrong or forged.
	ErrLayerMismatch = errors.New("layer does not match its package")
	// ErrInvalidBundle: a CAR given to Import that cannot be imported as it is
	// (docs/bundles.md).
	ErrInvalidBundle = bundle.ErrInvalidBundle
	// ErrBadTransport: a transport other than auto, stream or bitswap.
	ErrBadTransport = fetch.ErrBadTransport
	// ErrBadLog: a publisher-log entry from a peer that does not decode, is
	// not signed by its log's key, or does not follow the entry before it.
	ErrBadLog = logs.ErrBadLog
	// ErrEquivocation: signed publisher-log entries of keys the policy trusts
	// name different packages as one name@version, so the name does not
	// resolve (docs/logs.md); of kind ErrUntrusted. The evidence is kept;
	// `cairn versions` and `verify` show it.
	ErrEquivocation = trust.ErrEquivocation
	// ErrNoDaemon: no daemon is running on the repo (or it does not answer).
	ErrNoDaemon = errors.New("no daemon is running")
)

// Errors a DaemonClient returns for the daemon's answers.
var (
	// ErrDaemonNotFound: the daemon has no such package, version or block
	// (ErrNotFound).
	ErrDaemonNotFound = api.ErrNotFound
	// ErrDaemonTimeout: the daemon gave up on a request at its deadline
	// (ErrTimeout).
	ErrDaemonTimeout = api.ErrTimeout
	// ErrBadRequest: the daemon refused a request as malformed (a bad
	// multiaddr, say); the message says why (ErrInvalidInput).
	ErrBadRequest = api.ErrBadRequest
)

package node

import (
	"errors"

	"github.com/cairnpkg/cairn/node/internal/store"
	ipld "github.com/ipfs/go-ipld-format"
)

// Errors returned by this package; detail is added with fmt.Errorf("%w: ...", ErrX).
var (
	// ErrNoRepo: the repo directory has not been initialized.
	ErrNoRepo = errors.New("no cairn repo")
	// ErrRepoExists: init on a directory that already holds a repo.
	ErrRepoExists = errors.New("repo already exists")
	// ErrRepoLocked: another process holds the repo.
	ErrRepoLocked = errors.New("repo is locked")
	// ErrInvalidConfig: a config.toml that breaks a rule of docs/repo.md.
	ErrInvalidConfig = errors.New("invalid config")
	// ErrNotFound: no such package, metadata set or block in the repo.
	ErrNotFound = store.ErrNotFound
	// ErrVersionExists: name@version already names another package in the repo.
	ErrVersionExists = store.ErrVersionExists
	// ErrNotPackage: a CID that names something other than a package where a
	// package was expected.
	ErrNotPackage = errors.New("not a package")
	// ErrLayerMismatch: a layer's content is not what its package records (kind,
	// size or SHA-256): the package was built wrong or forged.
	ErrLayerMismatch = errors.New("layer does not match its package")
	// ErrInvalidInput: a path, file or argument that cannot be published as given.
	ErrInvalidInput = errors.New("invalid input")
	// ErrInvalidBundle: a CAR given to Import that cannot be imported as it is:
	// not a CAR, truncated, a block that does not match its CID or is too
	// large, a limit exceeded, a root that is neither a package nor content,
	// or a closure with blocks missing (docs/bundles.md).
	ErrInvalidBundle = errors.New("invalid bundle")
)

func isNotFound(err error) bool {
	return errors.Is(err, store.ErrNotFound) || ipld.IsNotFound(err)
}

// ErrNoDaemon: no daemon runs on the repo (or it does not answer).
var ErrNoDaemon = errors.New("no daemon is running")

// ErrUntrusted: a fetched package is not trusted under the policy, so it was
// not kept. The FetchResult's Report says why.
var ErrUntrusted = errors.New("package is not trusted")

// ErrBadTransport: a transport other than auto, stream or bitswap.
var ErrBadTransport = errors.New("unknown transport")

// ErrBadLog: a publisher-log entry from a peer that does not decode, is not
// signed by its log's key, or does not follow the entry before it.
var ErrBadLog = errors.New("bad publisher log entry")

// ErrEquivocation: signed publisher-log entries of keys the policy trusts
// name different packages as one name@version, so the name does not resolve
// (docs/logs.md). The evidence is kept; `cairn versions` and `verify` show it.
var ErrEquivocation = errors.New("equivocation")

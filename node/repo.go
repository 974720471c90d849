package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/atomicfile"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/go-cid"
)

// The files of a repo directory (docs/repo.md).
const (
	ConfigFile = "config.toml"
	PolicyFile = "policy.toml"
	KeysDir    = "keys"
	StoreDir   = "store"
	LockFile   = "repo.lock"
	// IdentityFile holds the node's libp2p identity (its peer ID), an Ed25519
	// key like the signing keys but never used to sign packages.
	IdentityFile = "identity.key"
	// DaemonFile is written by a running daemon: its pid, peer ID, addresses
	// and API address (docs/repo.md). It is removed when the daemon stops.
	DaemonFile = "daemon.json"
	// TokenFile holds the API's bearer token, mode 0600.
	TokenFile = "api.token"
)

type storeOptions = store.Options

func defaultStoreOptions(dir string) storeOptions { return store.DefaultOptions(dir) }

// Repo is an open Cairn repo: config, keys, trust policy and the store. One
// process holds a repo at a time. Close releases it.
type Repo struct {
	dir    string
	cfg    Config
	keys   *sign.KeyStore
	store  *store.Store
	lock   *repoLock
	log    *slog.Logger
	policy sync.Mutex // serializes read-modify-write of policy.toml

	// published, if set (by a daemon), is told of each package published.
	published atomic.Pointer[func(cid.Cid)]
	// logAppended, if set (by a daemon), is told of each committed entry of a
	// local key's publisher log, with the key, to announce the new head.
	logAppended atomic.Pointer[func(*dag.LogEntry, cid.Cid, *sign.Key)]
	// policyChanged, if set (by a daemon), is told when UpdatePolicy saved.
	policyChanged atomic.Pointer[func()]
	// mirrorsChanged, if set (by a daemon), is told when a mirror rule is added.
	mirrorsChanged atomic.Pointer[func()]
	// rejections, if set (by a daemon), returns the heads it did not follow.
	rejections atomic.Pointer[func() []Rejection]
	// mirrorMu serializes read-modify-write of the mirror rules.
	mirrorMu sync.Mutex
	// verified, if set (by a daemon), is told of each verification's verdict.
	verified atomic.Pointer[func(sign.Status)]

	closeOnce sync.Once
	closeErr  error
}

// Option configures Open and Init.
type Option func(*options)

type options struct {
	log *slog.Logger
}

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

func newOptions(opts []Option) options {
	o := options{log: slog.New(slog.DiscardHandler)}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// InitResult describes a new repo.
type InitResult struct {
	Dir string `json:"repo"`
	Key string `json:"key"`
	DID string `json:"did"`
	// PeerID is the node's libp2p identity.
	PeerID string `json:"peerID"`
}

// Init creates a repo in dir (which may exist, but must not hold a repo) with a
// default signing key and an empty trust policy. A failed Init removes what it made.
func Init(dir string) (res InitResult, err error) {
	dir, err = filepath.Abs(dir)
	if err != nil {
		return res, err
	}
	if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
		return res, fmt.Errorf("%w: %s", ErrRepoExists, dir)
	}
	for _, p := range []string{PolicyFile, KeysDir, StoreDir, IdentityFile, TokenFile} {
		if _, err := os.Lstat(filepath.Join(dir, p)); err == nil {
			return res, fmt.Errorf("%w: %s already has %s; init only creates a repo where none of config.toml, policy.toml, keys/, store/, identity.key and api.token exist", ErrRepoExists, dir, p)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	lock, err := lockRepo(filepath.Join(dir, LockFile))
	if err != nil {
		return res, err
	}
	defer lock.unlock()
	// Check again under the lock: another init may have won the race.
	for _, p := range []string{ConfigFile, PolicyFile, KeysDir, StoreDir, IdentityFile, TokenFile} {
		if _, err := os.Lstat(filepath.Join(dir, p)); err == nil {
			return res, fmt.Errorf("%w: %s", ErrRepoExists, dir)
		}
	}
	// On failure remove what this Init made: nothing of these existed before.
	defer func() {
		if err != nil {
			for _, p := range []string{ConfigFile, PolicyFile, KeysDir, StoreDir, IdentityFile, TokenFile} {
				os.RemoveAll(filepath.Join(dir, p))
			}
		}
	}()
	cfg := DefaultConfig()
	ks, err := sign.OpenKeyStore(filepath.Join(dir, KeysDir))
	if err != nil {
		return res, err
	}
	k, err := ks.Generate(cfg.DefaultKey)
	if err != nil {
		return res, err
	}
	peerID, err := createIdentity(filepath.Join(dir, IdentityFile))
	if err != nil {
		return res, err
	}
	if _, err := ensureToken(filepath.Join(dir, TokenFile)); err != nil {
		return res, err
	}
	pol := &sign.Policy{Version: sign.PolicyVersion}
	if err := pol.Save(filepath.Join(dir, PolicyFile)); err != nil {
		return res, err
	}
	s, err := store.Open(context.Background(), cfg.storeOptions(filepath.Join(dir, StoreDir)))
	if err != nil {
		return res, err
	}
	if err := s.Close(); err != nil {
		return res, err
	}
	data, err := cfg.marshal()
	if err != nil {
		return res, err
	}
	// config.toml is written last: its presence is what makes dir a repo.
	if err := atomicfile.WriteFile(filepath.Join(dir, ConfigFile), data, 0o644); err != nil {
		return res, err
	}
	return InitResult{Dir: dir, Key: cfg.DefaultKey, DID: k.DID(), PeerID: peerID.String()}, nil
}

// Open opens the repo in dir, taking its lock.
func Open(ctx context.Context, dir string, opts ...Option) (*Repo, error) {
	o := newOptions(opts)
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	cfg, err := loadConfig(filepath.Join(dir, ConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s (run cairn init, or set --repo or CAIRN_REPO)", ErrNoRepo, dir)
	}
	if err != nil {
		return nil, err
	}
	lock, err := lockRepo(filepath.Join(dir, LockFile))
	if err != nil {
		return nil, err
	}
	ks, err := sign.OpenKeyStore(filepath.Join(dir, KeysDir))
	if err != nil {
		lock.unlock()
		return nil, err
	}
	s, err := store.Open(ctx, cfg.storeOptions(filepath.Join(dir, StoreDir)))
	if err != nil {
		lock.unlock()
		return nil, fmt.Errorf("open store: %w", err)
	}
	return &Repo{dir: dir, cfg: cfg, keys: ks, store: s, lock: lock, log: o.log}, nil
}

// Close closes the store and releases the lock. It is idempotent.
func (r *Repo) Close() error {
	r.closeOnce.Do(func() {
		r.closeErr = errors.Join(r.store.Close(), r.lock.unlock())
	})
	return r.closeErr
}

// Dir returns the repo directory.
func (r *Repo) Dir() string { return r.dir }

// Config returns the repo's configuration.
func (r *Repo) Config() Config { return r.cfg }

// Keys returns the repo's key store.
func (r *Repo) Keys() *sign.KeyStore { return r.keys }

// PolicyPath returns the path of the repo's trust policy.
func (r *Repo) PolicyPath() string { return filepath.Join(r.dir, PolicyFile) }

// Policy loads the repo's trust policy.
func (r *Repo) Policy() (*sign.Policy, error) { return sign.LoadPolicy(r.PolicyPath()) }

// UpdatePolicy applies fn to the policy and saves it if fn succeeds.
func (r *Repo) UpdatePolicy(fn func(*sign.Policy) error) error {
	r.policy.Lock()
	defer r.policy.Unlock()
	p, err := r.Policy()
	if err != nil {
		return err
	}
	if err := fn(p); err != nil {
		return err
	}
	if err := p.Save(r.PolicyPath()); err != nil {
		return err
	}
	if f := r.policyChanged.Load(); f != nil {
		(*f)()
	}
	return nil
}

// key loads the named key, or the default key when name is "".
func (r *Repo) key(name string) (*sign.Key, error) {
	if name == "" {
		name = r.cfg.DefaultKey
	}
	return r.keys.Resolve(name)
}

// path returns the path of a file in the repo directory.
func (r *Repo) path(name string) string { return filepath.Join(r.dir, name) }

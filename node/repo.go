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

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/internal/atomicfile"
	"github.com/cairnpkg/cairn/node/internal/api"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/mirror"
	"github.com/cairnpkg/cairn/node/internal/p2p"
	"github.com/cairnpkg/cairn/node/internal/publish"
	"github.com/cairnpkg/cairn/node/internal/repolock"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
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

// Repo is an open Cairn repo: config, keys, trust policy and the store. One
// process holds a repo at a time. Close releases it.
//
// What the repo does is told on its event bus (events.Published,
// LogAppended, PolicyChanged, MirrorsChanged, Verified): a daemon's parts
// subscribe to it (docs/architecture.md).
type Repo struct {
	dir       string
	cfg       Config
	keys      *sign.KeyStore
	store     *store.Store
	lock      *repolock.Held
	log       *slog.Logger
	events    *events.Bus
	policyMu  sync.Mutex // serializes read-modify-write of policy.toml
	policy    *sign.PolicyCache
	mirrors   *mirror.Rules
	publisher *publish.Publisher

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
func Init(ctx context.Context, dir string) (res InitResult, err error) {
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
	lock, err := repolock.Lock(filepath.Join(dir, LockFile))
	if err != nil {
		return res, err
	}
	defer lock.Unlock()
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
	peerID, err := p2p.CreateIdentity(filepath.Join(dir, IdentityFile))
	if err != nil {
		return res, err
	}
	if _, err := api.EnsureToken(filepath.Join(dir, TokenFile)); err != nil {
		return res, err
	}
	pol := &sign.Policy{Version: sign.PolicyVersion}
	if err := pol.Save(filepath.Join(dir, PolicyFile)); err != nil {
		return res, err
	}
	s, err := store.Open(ctx, cfg.storeOptions(filepath.Join(dir, StoreDir)))
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
	lock, err := repolock.Lock(filepath.Join(dir, LockFile))
	if err != nil {
		return nil, err
	}
	ks, err := sign.OpenKeyStore(filepath.Join(dir, KeysDir))
	if err != nil {
		lock.Unlock()
		return nil, err
	}
	s, err := store.Open(ctx, cfg.storeOptions(filepath.Join(dir, StoreDir)))
	if err != nil {
		lock.Unlock()
		return nil, fmt.Errorf("open store: %w", err)
	}
	r := &Repo{dir: dir, cfg: cfg, keys: ks, store: s, lock: lock, log: o.log, events: events.NewBus(), mirrors: mirror.NewRules(s),
		policy: sign.NewPolicyCache(filepath.Join(dir, PolicyFile))}
	r.publisher = publish.New(publish.Config{
		Store: s, Key: r.key, Events: r.events, Log: r.log,
		AutoTrust: cfg.AutoTrust, Policy: r.Policy, UpdatePolicy: r.UpdatePolicy,
	})
	return r, nil
}

// Close closes the store and releases the lock. It is idempotent.
func (r *Repo) Close() error {
	r.closeOnce.Do(func() {
		r.closeErr = errors.Join(r.store.Close(), r.lock.Unlock())
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

// Policy loads the repo's trust policy: a copy the caller may change. The
// file is parsed again only when it changed (sign.PolicyCache).
func (r *Repo) Policy() (*sign.Policy, error) { return r.policy.Load() }

// UpdatePolicy applies fn to the policy and saves it if fn succeeds.
func (r *Repo) UpdatePolicy(fn func(*sign.Policy) error) error {
	r.policyMu.Lock()
	defer r.policyMu.Unlock()
	p, err := r.Policy()
	if err != nil {
		return err
	}
	if err := fn(p); err != nil {
		return err
	}
	err = p.Save(r.PolicyPath())
	r.policy.Forget()
	if err != nil {
		return err
	}
	r.events.Emit(events.PolicyChanged{})
	return nil
}

// key loads the named key, or the default key when name is "".
func (r *Repo) key(name string) (*sign.Key, error) {
	if name == "" {
		name = r.cfg.DefaultKey
	}
	return r.keys.Resolve(name)
}

// ownKeys loads the keys of the repo's key store; a key that does not load
// is skipped with a warning.
func (r *Repo) ownKeys() ([]*sign.Key, error) {
	names, err := r.keys.List()
	if err != nil {
		return nil, err
	}
	keys := make([]*sign.Key, 0, len(names))
	for _, n := range names {
		k, err := r.keys.Get(n)
		if err != nil {
			r.log.Warn("load a key", "name", n, "err", err)
			continue
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// path returns the path of a file in the repo directory.
func (r *Repo) path(name string) string { return filepath.Join(r.dir, name) }

// PeerID returns the node's peer ID (creating its identity if needed).
func (r *Repo) PeerID() (peer.ID, error) {
	_, id, err := p2p.LoadIdentity(r.path(IdentityFile))
	return id, err
}

// APIToken returns the API's bearer token (creating it if needed).
func (r *Repo) APIToken() (string, error) { return api.EnsureToken(r.path(TokenFile)) }

// follows reports whether the repo follows signer's publisher log: the key
// is one of its own, or the policy names it (docs/logs.md §3).
func (r *Repo) follows(signer string) (bool, error) {
	set, err := r.followedKeys()
	return set[signer], err
}

// followedKeys returns the keys whose logs the repo follows.
func (r *Repo) followedKeys() (map[string]bool, error) {
	pol, err := r.trustPolicy()
	if err != nil {
		return nil, err
	}
	return trust.FollowedKeys(pol, r.keys)
}

// trustPolicy returns the policy every trust decision applies: the policy
// file's, with the keys its keys rotated to (trust.Effective).
func (r *Repo) trustPolicy() (*sign.Policy, error) { return r.effective(nil) }

// effective returns pol (the repo's policy when nil) with the rotations the
// store holds.
func (r *Repo) effective(pol *sign.Policy) (*sign.Policy, error) {
	if pol == nil {
		var err error
		if pol, err = r.Policy(); err != nil {
			return nil, err
		}
	}
	eff, _, err := trust.Effective(context.Background(), r.store, pol)
	return eff, err
}

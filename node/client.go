package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairnpkg/cairn/node/internal/api"
	"github.com/cairnpkg/cairn/node/internal/fetch"
	"github.com/cairnpkg/cairn/node/internal/p2p"
)

// IDInfo describes a running node (GET /api/v1/id).
type IDInfo = api.IDInfo

// PeerInfo describes a connected peer.
type PeerInfo = api.PeerInfo

// DaemonClient talks to the daemon running on a repo, through its local
// HTTP API.
type DaemonClient struct {
	c    *api.Client
	info DaemonInfo
}

// DialDaemon finds the daemon running on the repo in dir (from daemon.json)
// and checks that it answers. It fails with ErrNoDaemon when none does,
// including when daemon.json was left behind by a daemon that was killed.
func DialDaemon(ctx context.Context, dir string) (*DaemonClient, error) {
	data, err := os.ReadFile(filepath.Join(dir, DaemonFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w on %s (start one with cairn daemon)", ErrNoDaemon, dir)
	}
	if err != nil {
		return nil, err
	}
	var info DaemonInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("%s: %w", DaemonFile, err)
	}
	if err := CheckAPIAddr(info.API); err != nil {
		return nil, fmt.Errorf("%s: %w", DaemonFile, err)
	}
	// Ask who answers before sending the token: daemon.json may be left over
	// from a daemon that died, and its port taken by another program.
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	id, err := api.NewClient(info.API, "").ID(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w on %s: daemon.json names %s, which does not answer: %w", ErrNoDaemon, dir, info.API, err)
	}
	if id.PeerID != info.PeerID {
		return nil, fmt.Errorf("%w on %s: %s answers as %s, not %s", ErrNoDaemon, dir, info.API, id.PeerID, info.PeerID)
	}
	tok, err := os.ReadFile(filepath.Join(dir, TokenFile))
	if err != nil {
		return nil, fmt.Errorf("api token: %w", err)
	}
	return &DaemonClient{c: api.NewClient(info.API, strings.TrimSpace(string(tok))), info: info}, nil
}

// Info returns what daemon.json says.
func (c *DaemonClient) Info() DaemonInfo { return c.info }

// ID describes the node.
func (c *DaemonClient) ID(ctx context.Context) (IDInfo, error) { return c.c.ID(ctx) }

// Peers lists connected peers.
func (c *DaemonClient) Peers(ctx context.Context) ([]PeerInfo, error) { return c.c.Peers(ctx) }

// Connect dials a peer by its multiaddr with /p2p/ID.
func (c *DaemonClient) Connect(ctx context.Context, addr string) (PeerInfo, error) {
	return c.c.Connect(ctx, addr)
}

// Fetch asks the daemon to fetch target (a CID or NAME@VERSION) within timeout
// (0: the daemon's default), with opts (WithTransport).
func (c *DaemonClient) Fetch(ctx context.Context, target string, timeout time.Duration, opts ...FetchOption) (*FetchAnswer, error) {
	req := api.FetchRequest{Target: target}
	if t := fetch.TransportOf(opts...); t != TransportAuto {
		req.Transport = string(t)
	}
	req.AllowYanked = fetch.AllowsYanked(opts...)
	if timeout > 0 {
		req.Timeout = timeout.String()
	}
	var ans FetchAnswer
	if err := c.c.Fetch(ctx, req, &ans); err != nil {
		return nil, err
	}
	return &ans, nil
}

// Fetches lists the daemon's fetches in progress.
func (c *DaemonClient) Fetches(ctx context.Context) ([]FetchProgress, error) {
	var out []FetchProgress
	err := c.c.Fetches(ctx, &out)
	return out, err
}

// Run runs a cairn command line on the daemon's repo.
func (c *DaemonClient) Run(ctx context.Context, args []string) (CommandResult, error) {
	return c.c.Run(ctx, api.RunRequest{Args: args})
}

// OfflineID describes the repo's node when no daemon runs: its peer ID and
// the addresses it would listen on.
func OfflineID(dir string) (IDInfo, error) {
	cfg, err := loadConfig(filepath.Join(dir, ConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return IDInfo{}, fmt.Errorf("%w in %s (run cairn init, or set --repo or CAIRN_REPO)", ErrNoRepo, dir)
	}
	if err != nil {
		return IDInfo{}, err
	}
	_, id, err := p2p.LoadIdentity(filepath.Join(dir, IdentityFile))
	if err != nil {
		return IDInfo{}, err
	}
	return IDInfo{PeerID: id.String(), Addrs: cfg.Network.Listen, API: cfg.Network.API, Gateway: cfg.Network.Gateway, Agent: Agent}, nil
}

package node

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/BurntSushi/toml"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/cairnpkg/cairn/node/internal/gateway"
	"github.com/cairnpkg/cairn/node/internal/heads"
	"github.com/cairnpkg/cairn/node/internal/logsync"
	"github.com/cairnpkg/cairn/node/internal/p2p"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/upload"
	"github.com/cairnpkg/cairn/sign"
)

// ConfigVersion is the version of config.toml's format.
const ConfigVersion = 1

// Config is the repo's config.toml (docs/repo.md).
type Config struct {
	Version int `toml:"version"`
	// DefaultKey names the key in keys/ that signs when no --key is given.
	DefaultKey string `toml:"default_key"`
	// AutoTrust, when true, makes the first publish in a namespace that no policy
	// rule selects add a rule trusting the publishing key for NAMESPACE/*.
	AutoTrust bool          `toml:"auto_trust"`
	Store     StoreConfig   `toml:"store"`
	Network   NetworkConfig `toml:"network"`
}

// StoreConfig holds the store's memory knobs; zero means the built-in default.
type StoreConfig struct {
	// MemTableMiB is the size of one badger memtable in MiB.
	MemTableMiB int64 `toml:"memtable_mib,omitempty"`
	// BlockCacheMiB is badger's block cache in MiB.
	BlockCacheMiB int64 `toml:"block_cache_mib,omitempty"`
	// IndexCacheMiB is badger's index and bloom filter cache in MiB.
	IndexCacheMiB int64 `toml:"index_cache_mib,omitempty"`
	// GCInterval makes a daemon collect garbage this often, e.g. "24h";
	// "" never (docs/repo.md §7).
	GCInterval string `toml:"gc_interval,omitempty"`
	// GCWatermarkMiB makes a daemon collect garbage whenever the store's
	// disk usage passes this many MiB (checked every minute); 0 never.
	GCWatermarkMiB int64 `toml:"gc_watermark_mib,omitempty"`
	// StorageMaxMiB bounds the store's disk usage for fetches (mirrors
	// included): a fetch that would take it past this many MiB is refused;
	// publish and import only warn. 0: no bound (docs/repo.md §8).
	StorageMaxMiB int64 `toml:"storage_max_mib,omitempty"`
}

// storageMax is StorageMaxMiB in bytes; 0 no bound.
func (c StoreConfig) storageMax() uint64 { return uint64(max(c.StorageMaxMiB, 0)) << 20 }

// gcInterval is GCInterval as a duration (checked by Validate); 0 never.
func (c StoreConfig) gcInterval() time.Duration {
	d, _ := time.ParseDuration(c.GCInterval)
	return d
}

// DefaultConfig returns the config that init writes.
func DefaultConfig() Config {
	return Config{Version: ConfigVersion, DefaultKey: "default", AutoTrust: true, Network: DefaultNetworkConfig()}
}

// Validate checks the config.
func (c *Config) Validate() error {
	if c.Version != ConfigVersion {
		return fmt.Errorf("%w: version %d, expected %d", ErrInvalidConfig, c.Version, ConfigVersion)
	}
	if err := c.Network.Validate(); err != nil {
		return err
	}
	if err := sign.CheckKeyName(c.DefaultKey); err != nil {
		return fmt.Errorf("%w: default_key: %w", ErrInvalidConfig, err)
	}
	for name, v := range map[string]int64{"memtable_mib": c.Store.MemTableMiB, "block_cache_mib": c.Store.BlockCacheMiB, "index_cache_mib": c.Store.IndexCacheMiB} {
		if v < 0 || v > 4096 {
			return fmt.Errorf("%w: store.%s = %d, expected 0 (default) to 4096", ErrInvalidConfig, name, v)
		}
	}
	if c.Store.GCInterval != "" {
		if d, err := time.ParseDuration(c.Store.GCInterval); err != nil || d < time.Minute {
			return fmt.Errorf("%w: store.gc_interval %q: expected a duration of at least 1m, like 24h, or nothing", ErrInvalidConfig, c.Store.GCInterval)
		}
	}
	if c.Store.GCWatermarkMiB < 0 {
		return fmt.Errorf("%w: store.gc_watermark_mib = %d, expected 0 (never) or more", ErrInvalidConfig, c.Store.GCWatermarkMiB)
	}
	if c.Store.StorageMaxMiB < 0 || c.Store.StorageMaxMiB > 1<<40 {
		return fmt.Errorf("%w: store.storage_max_mib = %d, expected 0 (no bound) to 2^40", ErrInvalidConfig, c.Store.StorageMaxMiB)
	}
	return nil
}

func loadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	c := DefaultConfig() // what the file does not say keeps its default
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		return Config{}, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return Config{}, fmt.Errorf("%w: %s: unknown key %q", ErrInvalidConfig, path, und[0].String())
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func (c Config) marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# Cairn repo configuration (docs/repo.md).\n\n")
	if err := toml.NewEncoder(&buf).Encode(c); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (c Config) storeOptions(dir string) store.Options {
	o := store.DefaultOptions(dir)
	if c.Store.MemTableMiB > 0 {
		o.MemTableSize = c.Store.MemTableMiB << 20
	}
	if c.Store.BlockCacheMiB > 0 {
		o.BlockCacheSize = c.Store.BlockCacheMiB << 20
	}
	if c.Store.IndexCacheMiB > 0 {
		o.IndexCacheSize = c.Store.IndexCacheMiB << 20
	}
	return o
}

// Default ports (docs/network.md): 4501 for libp2p (TCP and QUIC), 4502 for
// the local HTTP API, 4503 for the read-only HTTP gateway.
const (
	DefaultP2PPort     = 4501
	DefaultAPIAddr     = "127.0.0.1:4502"
	DefaultGatewayAddr = "127.0.0.1:4503"
)

// NetworkConfig is config.toml's [network] section: how the daemon joins the
// network.
type NetworkConfig struct {
	// Listen are libp2p multiaddrs; port 0 lets the OS choose (the chosen
	// addresses are written to daemon.json).
	Listen []string `toml:"listen"`
	// Announce, when set, are the only addresses told to peers.
	Announce []string `toml:"announce,omitempty"`
	// Bootstrap peers (multiaddrs with /p2p/ID) to join the network through.
	Bootstrap []string `toml:"bootstrap,omitempty"`
	// PublicNetwork joins the public IPFS network (its DHT, and its
	// bootstrap peers when Bootstrap is empty) instead of a private Cairn
	// network.
	PublicNetwork bool `toml:"public_network"`
	// MDNS finds peers on the local network.
	MDNS bool `toml:"mdns"`
	// ConnLow and ConnHigh are the connection manager's watermarks.
	ConnLow  int `toml:"conn_low"`
	ConnHigh int `toml:"conn_high"`
	// ReprovideInterval is how often package roots are announced again in
	// the DHT, e.g. "12h".
	ReprovideInterval string `toml:"reprovide_interval"`
	// HeadsInterval is how often the daemon compares publisher-log heads
	// with each connected peer (/cairn/heads/1.0.0), besides on connect;
	// "" is 30s.
	HeadsInterval string `toml:"heads_interval,omitempty"`
	// AnnounceInterval is how often the daemon says the heads of its own
	// logs again, news or not, so that followers know they are alive
	// (docs/trust.md §7); "" is 1h. AnnounceTTL is how long such an
	// announcement may be relayed; "" is 24h.
	AnnounceInterval string `toml:"announce_interval,omitempty"`
	AnnounceTTL      string `toml:"announce_ttl,omitempty"`
	// API is the local HTTP API's address; it must be a loopback address.
	API string `toml:"api"`
	// Gateway is the read-only HTTP gateway's address (host:port, any
	// interface: it serves only what the node holds and never writes);
	// empty disables it.
	Gateway string `toml:"gateway"`
	// GatewayHosts are the host names the gateway answers to besides
	// localhost, *.localhost and IP literals (docs/network.md): a request
	// with any other Host is refused, so that DNS rebinding cannot read it.
	GatewayHosts []string `toml:"gateway_hosts,omitempty"`
	// UploadLimit caps the bytes per second the daemon serves to others
	// (bitswap, the whole-DAG stream and the gateway together), written
	// like "40MB/s" or "500KiB/s"; "" is no limit.
	UploadLimit string `toml:"upload_limit,omitempty"`
}

// DefaultNetworkConfig is a private Cairn network on all interfaces.
func DefaultNetworkConfig() NetworkConfig {
	return NetworkConfig{
		Listen: []string{
			fmt.Sprintf("/ip4/0.0.0.0/tcp/%d", DefaultP2PPort),
			fmt.Sprintf("/ip4/0.0.0.0/udp/%d/quic-v1", DefaultP2PPort),
			fmt.Sprintf("/ip6/::/tcp/%d", DefaultP2PPort),
			fmt.Sprintf("/ip6/::/udp/%d/quic-v1", DefaultP2PPort),
		},
		ConnLow:           p2p.DefaultConnLow,
		ConnHigh:          p2p.DefaultConnHigh,
		ReprovideInterval: "12h",
		API:               DefaultAPIAddr,
		Gateway:           DefaultGatewayAddr,
	}
}

// Validate checks the section.
func (n NetworkConfig) Validate() error {
	for _, list := range [][]string{n.Listen, n.Announce} {
		for _, s := range list {
			if _, err := ma.NewMultiaddr(s); err != nil {
				return fmt.Errorf("%w: network address %q: %w", ErrInvalidConfig, s, err)
			}
		}
	}
	if _, err := p2p.ParseAddrInfos(n.Bootstrap); err != nil {
		return fmt.Errorf("%w: bootstrap: %w", ErrInvalidConfig, err)
	}
	low, high := n.ConnLow, n.ConnHigh // 0 means the default, as p2p.NewHost reads it
	if low == 0 {
		low = p2p.DefaultConnLow
	}
	if high == 0 {
		high = p2p.DefaultConnHigh
	}
	if n.ConnLow < 0 || n.ConnHigh < 0 || low > high {
		return fmt.Errorf("%w: conn_low %d and conn_high %d: expected low <= high (0 for the defaults %d and %d)", ErrInvalidConfig, n.ConnLow, n.ConnHigh, p2p.DefaultConnLow, p2p.DefaultConnHigh)
	}
	if d, err := time.ParseDuration(n.ReprovideInterval); err != nil || d < time.Minute {
		return fmt.Errorf("%w: reprovide_interval %q: expected a duration of at least 1m, like 12h", ErrInvalidConfig, n.ReprovideInterval)
	}
	if n.HeadsInterval != "" {
		if d, err := time.ParseDuration(n.HeadsInterval); err != nil || d < time.Second {
			return fmt.Errorf("%w: heads_interval %q: expected a duration of at least 1s, like 30s", ErrInvalidConfig, n.HeadsInterval)
		}
	}
	for _, d := range []struct{ name, v string }{{"announce_interval", n.AnnounceInterval}, {"announce_ttl", n.AnnounceTTL}} {
		if d.v == "" {
			continue
		}
		if v, err := time.ParseDuration(d.v); err != nil || v < time.Second {
			return fmt.Errorf("%w: %s %q: expected a duration of at least 1s, like 1h", ErrInvalidConfig, d.name, d.v)
		}
	}
	if n.announceTTL() < n.announceInterval() {
		return fmt.Errorf("%w: announce_ttl %s is shorter than announce_interval %s: followers would find the logs quiet between announcements", ErrInvalidConfig, n.announceTTL(), n.announceInterval())
	}
	if err := CheckGatewayAddr(n.Gateway); err != nil {
		return err
	}
	if err := n.gatewayConfig().Validate(); err != nil {
		return fmt.Errorf("%w: gateway_hosts: %w", ErrInvalidConfig, err)
	}
	if _, err := upload.ParseRate(n.UploadLimit); err != nil {
		return fmt.Errorf("%w: upload_limit: %w", ErrInvalidConfig, err)
	}
	return CheckAPIAddr(n.API)
}

// headsInterval is HeadsInterval as a duration (checked by Validate).
func (n NetworkConfig) headsInterval() time.Duration {
	d, err := time.ParseDuration(n.HeadsInterval)
	if err != nil {
		return heads.DefaultInterval
	}
	return d
}

// announceInterval is AnnounceInterval as a duration (checked by Validate).
func (n NetworkConfig) announceInterval() time.Duration {
	d, err := time.ParseDuration(n.AnnounceInterval)
	if err != nil {
		return logsync.DefaultAnnounceInterval
	}
	return d
}

// announceTTL is AnnounceTTL as a duration (checked by Validate).
func (n NetworkConfig) announceTTL() time.Duration {
	d, err := time.ParseDuration(n.AnnounceTTL)
	if err != nil {
		return logsync.DefaultAnnounceTTL
	}
	return d
}

// uploadLimit is UploadLimit as a rate (checked by Validate).
func (n NetworkConfig) uploadLimit() upload.Rate {
	r, _ := upload.ParseRate(n.UploadLimit)
	return r
}

// gatewayConfig is the gateway's part of the section.
func (n NetworkConfig) gatewayConfig() gateway.Config {
	return gateway.Config{AllowedHosts: n.GatewayHosts}
}

// CheckGatewayAddr requires a host (possibly empty, for every interface) and
// a port, or nothing at all (no gateway).
func CheckGatewayAddr(addr string) error {
	if addr == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		return fmt.Errorf("%w: gateway address %q: expected a host and port, like 127.0.0.1:4503 or :4503 (port 0 picks one; empty disables the gateway)", ErrInvalidConfig, addr)
	}
	return nil
}

// CheckAPIAddr requires a loopback IP and port: the API is for this machine.
func CheckAPIAddr(addr string) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() {
		return fmt.Errorf("%w: api address %q: expected a loopback address and port, like 127.0.0.1:4502 (port 0 picks one)", ErrInvalidConfig, addr)
	}
	return nil
}

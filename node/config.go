package node

import (
	"bytes"
	"fmt"
	"os"

	"github.com/BurntSushi/toml"
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

func (c Config) storeOptions(dir string) storeOptions {
	o := defaultStoreOptions(dir)
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

package gateway

import (
	"fmt"
	"strings"
)

// Config is what the gateway needs besides its blockstore. The zero Config is
// valid: the gateway then answers only localhost, *.localhost and IP
// literals.
type Config struct {
	// AllowedHosts are the host names the gateway answers besides localhost,
	// *.localhost and IP literals, which it always answers: a request whose
	// Host header names anything else is refused with 403 (DNS rebinding).
	// Each is a DNS name without port or wildcard (in its ASCII form, as
	// xn--… for an internationalized name), matched exactly, case-insensitively,
	// whatever the request's port; a trailing dot is ignored. The daemon reads
	// them from config.toml's [network] gateway_hosts.
	AllowedHosts []string
}

// Validate reports, wrapping ErrInvalidConfig, the first allowed host that is
// not a host name.
func (c Config) Validate() error {
	for _, h := range c.AllowedHosts {
		if err := checkAllowedHost(h); err != nil {
			return fmt.Errorf("%w: allowed host %q: %w", ErrInvalidConfig, h, err)
		}
	}
	return nil
}

// checkAllowedHost says why name cannot match a Host header's name, if it
// cannot.
func checkAllowedHost(name string) error {
	switch {
	case strings.TrimSuffix(name, ".") == "":
		return fmt.Errorf("expected a host name, got an empty one")
	case strings.Contains(name, "*"):
		return fmt.Errorf("expected a host name, got a wildcard (names match exactly; *.localhost is always allowed)")
	case strings.Contains(name, ":"):
		return fmt.Errorf("expected a host name without a port (any port is allowed)")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return fmt.Errorf("expected a host name of letters, digits, '-', '_' and '.', got %q", r)
		}
	}
	return nil
}

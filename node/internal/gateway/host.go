package gateway

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// hostGuard refuses, with 403 and a plain-text message, every request whose
// Host header checkHost refuses; it passes the others to next.
func hostGuard(allowed map[string]bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkHost(r.Host, allowed); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// allowedSet returns the names of hosts (valid per Config.Validate) as
// checkHost compares them: lowercase, without a trailing dot.
func allowedSet(hosts []string) map[string]bool {
	set := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		set[normalName(h)] = true
	}
	return set
}

// checkHost refuses a Host header, with or without a numeric port, other than
// localhost or a name under .localhost, an IPv4 literal or a bracketed IPv6
// literal, or a name in allowed (lowercase, no trailing dot). A web page whose
// domain an attacker re-points at the gateway's address (DNS rebinding) is
// same-origin with the gateway as far as the browser knows, but its requests
// still carry that domain in Host. Browsers resolve localhost themselves,
// and an IP literal names no domain, so neither can be re-pointed.
func checkHost(host string, allowed map[string]bool) error {
	if hostAllowed(host, allowed) {
		return nil
	}
	return fmt.Errorf("%w: Host %q is not localhost, an IP address or a name the gateway is configured to serve ([network] gateway_hosts)", ErrHostNotAllowed, host)
}

func hostAllowed(host string, allowed map[string]bool) bool {
	name, port, err := net.SplitHostPort(host)
	if err != nil { // no port
		name, port = host, ""
		if strings.HasPrefix(name, "[") && strings.HasSuffix(name, "]") {
			name = name[1 : len(name)-1]
		}
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil && port != "" {
		return false
	}
	bracketed := strings.HasPrefix(host, "[")
	if ip, err := netip.ParseAddr(name); err == nil {
		return ip.Is4() != bracketed // IPv4 bare, IPv6 in brackets
	}
	if bracketed {
		return false
	}
	name = normalName(name)
	return name == "localhost" ||
		strings.HasSuffix(name, ".localhost") && !strings.HasPrefix(name, ".") ||
		allowed[name]
}

// normalName returns a host name as checkHost compares it: lowercase, without
// a trailing dot.
func normalName(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, "."))
}

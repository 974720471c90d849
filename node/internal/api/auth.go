package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// admit runs the checks every request passes before it is routed, in order:
// the Host (DNS rebinding), browsers (CSRF), the token. Kubo's RPC API was
// driven from web pages through each of these gaps (kubo#5996,
// ipfs-webui#1036); this API is meant for the CLI and other local programs
// only, so it answers no browser and sends no Access-Control-* header.
func (h *handler) admit(r *http.Request) error {
	if err := CheckHost(r.Host); err != nil {
		return err
	}
	if err := refuseBrowser(r); err != nil {
		return err
	}
	return h.checkToken(r)
}

// CheckHost refuses a Host header other than localhost or a loopback IP
// literal (127.0.0.0/8, also as [::ffff:127.x.x.x], or [::1]; none with a
// zone), with or without a port. A web page whose domain an attacker
// re-points at 127.0.0.1 (DNS rebinding) is same-origin with the API as far as
// the browser knows, but its requests still carry that domain in Host. The
// web view (package webui), served on the same listener, checks Host with it
// too. The error wraps ErrForbidden.
func CheckHost(host string) error {
	name := host
	if h, port, err := net.SplitHostPort(host); err == nil {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil && port != "" {
			return fmt.Errorf("%w: Host must be localhost or a loopback IP, got %q", ErrForbidden, host)
		}
		name = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		name = host[1 : len(host)-1]
	}
	if strings.EqualFold(name, "localhost") {
		return nil
	}
	if ip, err := netip.ParseAddr(name); err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: Host must be localhost or a loopback IP, got %q", ErrForbidden, host)
}

// refuseBrowser refuses every request a web browser could have made on a
// page's behalf: browsers send Origin with cross-origin requests (and with
// every POST), and Sec-Fetch-Site / Sec-Fetch-Mode with every request, which
// page scripts cannot remove. OPTIONS, the CORS preflight, is refused too, so
// no page ever gets permission for anything.
func refuseBrowser(r *http.Request) error {
	if r.Method == http.MethodOptions || has(r.Header, "Origin") ||
		has(r.Header, "Sec-Fetch-Site") || has(r.Header, "Sec-Fetch-Mode") {
		return fmt.Errorf("%w: browser requests are refused", ErrForbidden)
	}
	return nil
}

// has reports whether the header key is present, even with an empty value.
func has(h http.Header, key string) bool {
	_, ok := h[http.CanonicalHeaderKey(key)]
	return ok
}

// checkToken requires "Authorization: Bearer <token>" on every request but GET
// and HEAD. A request of any method that carries a token must carry the right
// one. The comparison is in constant time, of SHA-256 sums so that the
// token's length does not leak either.
func (h *handler) checkToken(r *http.Request) error {
	auth, present := r.Header["Authorization"]
	if !present {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return nil
		}
		return fmt.Errorf("%w: this request needs the API token (Authorization: Bearer <token>)", ErrUnauthorized)
	}
	scheme, token, _ := strings.Cut(auth[0], " ")
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	if len(auth) != 1 || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], h.tokenSum[:]) != 1 {
		return fmt.Errorf("%w: invalid API token", ErrUnauthorized)
	}
	return nil
}

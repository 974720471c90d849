package webui

import (
	"fmt"
	"html/template"
	"net"
	"net/netip"
	"net/url"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/units"
	"github.com/cairnpkg/cairn/sign"
)

// funcs are the templates' helpers. Every string a template prints goes
// through html/template's contextual escaping; text from the network also
// goes through show, which makes control and bidi characters visible.
var funcs = template.FuncMap{
	"show":  func(v any) string { return visible(fmt.Sprint(v)) },
	"clip":  func(n int, s string) string { return clip(visible(s), n) },
	"size":  units.Bytes[uint64],
	"time":  func(t time.Time) string { return dag.FormatTime(t) },
	"ptime": formatTimePtr,
	"vclass": func(s any) string {
		switch v := s.(type) {
		case sign.Status:
			return "v-" + string(v)
		case string:
			return "v-" + v
		}
		return "v-unknown"
	},
	"pkgURL":  func(c cid.Cid) string { return Prefix + "package?" + url.Values{"cid": {c.String()}}.Encode() },
	"nameURL": func(name string) string { return Prefix + "versions?" + url.Values{"name": {name}}.Encode() },
	"logURL":  func(did string) string { return Prefix + "log?" + url.Values{"key": {did}}.Encode() },
	"contentURL": func(gateway string, c cid.Cid) string {
		return gateway + "/ipfs/" + c.String()
	},
	"defined": func(c *cid.Cid) bool { return c != nil && c.Defined() },
	"add":     func(a, b int) int { return a + b },
}

func formatTimePtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return dag.FormatTime(*t)
}

// gatewayBase returns the base URL of the gateway listening on addr, "" for
// none: an unspecified address (0.0.0.0, ::) becomes the loopback one, which
// a browser on this machine can open.
func gatewayBase(addr string) string {
	if addr == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.Is6() && !ip.Is4In6() {
			host = "::1"
		}
	} else if host == "" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

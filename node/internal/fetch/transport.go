package fetch

import "fmt"

// Transport picks how a fetch gets a package's node and content.
type Transport string

const (
	// TransportAuto streams the whole DAG (/cairn/car/1.0.0) from a peer that
	// speaks it, and falls back to bitswap for whatever is still missing.
	TransportAuto Transport = "auto"
	// TransportStream uses /cairn/car/1.0.0 only; the fetch fails if no peer
	// can stream the whole DAG.
	TransportStream Transport = "stream"
	// TransportBitswap uses bitswap only (as before /cairn/car/1.0.0).
	TransportBitswap Transport = "bitswap"
)

// ParseTransport parses "auto", "stream" or "bitswap"; "" is auto.
func ParseTransport(s string) (Transport, error) {
	switch t := Transport(s); t {
	case "":
		return TransportAuto, nil
	case TransportAuto, TransportStream, TransportBitswap:
		return t, nil
	}
	return "", fmt.Errorf("%w %q: expected auto, stream or bitswap", ErrBadTransport, s)
}

// Option configures one fetch.
type Option func(*options)

type options struct {
	transport   Transport
	allowYanked bool
}

// WithAllowYanked lets a fetch by NAME@VERSION keep a version its rule's
// keys withdrew (by default it is refused: trust.ErrYanked).
func WithAllowYanked() Option {
	return func(o *options) { o.allowYanked = true }
}

// WithTransport picks the transport of a fetch (default TransportAuto).
func WithTransport(t Transport) Option {
	return func(o *options) { o.transport = t }
}

func newOptions(opts []Option) options {
	o := options{transport: TransportAuto}
	for _, f := range opts {
		f(&o)
	}
	if o.transport == "" {
		o.transport = TransportAuto
	}
	return o
}

// AllowsYanked reports whether opts allow a yanked version.
func AllowsYanked(opts ...Option) bool { return newOptions(opts).allowYanked }

// TransportOf returns the transport opts pick.
func TransportOf(opts ...Option) Transport { return newOptions(opts).transport }

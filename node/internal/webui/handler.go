package webui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/cairnpkg/cairn/node/internal/api"
)

// Prefix is the path the web view is served under.
const Prefix = "/ui/"

// csp allows the page's own stylesheet and forms, and nothing else: no
// script at all, no frame, no image or font from anywhere.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
	"base-uri 'none'; frame-ancestors 'none'"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/style.css
var styleCSS []byte

// Config is what New needs.
type Config struct {
	// Source answers the pages. Required.
	Source Source
	// Log receives refused requests (Warn) and failures (Error); nil
	// discards.
	Log *slog.Logger
}

// handler is the http.Handler New returns.
type handler struct {
	src   Source
	log   *slog.Logger
	pages map[string]*template.Template
	mux   *http.ServeMux
}

// New returns the web view's handler: the pages under Prefix and a
// redirect from / to Prefix, behind the checks of admit. Serve it on the
// API's loopback listener (Mount), never on the gateway's origin.
func New(cfg Config) (http.Handler, error) {
	if cfg.Source == nil {
		return nil, fmt.Errorf("%w: Source is nil", ErrInvalidConfig)
	}
	h := &handler{src: cfg.Source, log: cfg.Log}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix, http.StatusFound)
	})
	h.mux.HandleFunc("GET /ui", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix, http.StatusFound)
	})
	h.mux.HandleFunc("GET /ui/{$}", h.page(h.packages))
	h.mux.HandleFunc("GET /ui/versions", h.page(h.versions))
	h.mux.HandleFunc("GET /ui/package", h.page(h.pkg))
	h.mux.HandleFunc("GET /ui/log", h.page(h.logPage))
	h.mux.HandleFunc("GET /ui/mirror", h.page(h.mirror))
	h.mux.HandleFunc("GET /ui/peers", h.page(h.peers))
	h.mux.HandleFunc("GET /ui/style.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write(styleCSS)
	})
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, fmt.Errorf("%w: %q", errNoPage, r.URL.Path))
	})
	return h, nil
}

// parsePages parses each page's template with the layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	if err := admit(r); err != nil {
		if statusOf(err) == http.StatusMethodNotAllowed {
			hd.Set("Allow", "GET, HEAD")
		}
		h.fail(w, r, err)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// admit runs the checks every request passes: GET or HEAD only (nothing
// the view answers changes anything, and an OPTIONS preflight never
// succeeds); the API's Host check (DNS rebinding); and, since browsers are
// welcome here but other sites' pages are not, the Fetch Metadata a
// browser sends: a request another site (the gateway's origin included,
// which serves anyone's content) made or linked to is refused, and so is
// one whose Origin is not this address.
func admit(r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return fmt.Errorf("%w: %s", errMethod, r.Method)
	}
	if err := api.CheckHost(r.Host); err != nil {
		return err
	}
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "none", "same-origin":
	default:
		return fmt.Errorf("%w: Sec-Fetch-Site %q", errCrossSite, site)
	}
	if o, ok := r.Header["Origin"]; ok && (len(o) != 1 || o[0] != "http://"+r.Host) {
		return fmt.Errorf("%w: Origin %q", errCrossSite, strings.Join(o, ", "))
	}
	return nil
}

// view is what a page's template gets.
type view struct {
	Title string
	Nav   string // the section to mark in the navigation
	Node  node
	Data  any
	// Error is the error page's message.
	Error  string
	Status int
}

// node is what every page shows of the daemon.
type node struct {
	PeerID  string
	Gateway string // base URL of the gateway, "" when it is off
}

// page turns a page function into a handler: it renders the template the
// function names with its data, or the error page.
func (h *handler) page(fn func(r *http.Request) (tmpl string, v view, err error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tmpl, v, err := fn(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.render(w, r, http.StatusOK, tmpl, v)
	}
}

// render executes the template into a buffer first, so a failure midway
// answers a clean error page rather than half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, tmpl string, v view) {
	// A refused request learns nothing of the node: with DNS rebinding,
	// the page that sent it could read the answer.
	refused := status == http.StatusForbidden || status == http.StatusMethodNotAllowed
	if id, err := h.src.ID(r.Context()); err == nil && !refused {
		v.Node = node{PeerID: id.PeerID, Gateway: gatewayBase(id.Gateway)}
	}
	var buf bytes.Buffer
	if err := h.pages[tmpl].Execute(&buf, v); err != nil {
		h.log.Error("web view: render", "page", tmpl, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// fail logs err and answers the error page with its status.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", status, "err", err}
	switch {
	case status >= 500 && r.Context().Err() == nil:
		h.log.Error("web view request failed", attrs...)
	case status == http.StatusForbidden:
		h.log.Warn("web view request refused", append(attrs, "remote", r.RemoteAddr, "host", r.Host, "origin", r.Header.Get("Origin"))...)
	default:
		h.log.Debug("web view request failed", attrs...)
	}
	h.render(w, r, status, "error", view{Title: http.StatusText(status), Error: err.Error(), Status: status})
}

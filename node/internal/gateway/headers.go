package gateway

import "net/http"

// sandboxed sets, on every response of next, the headers that keep what the
// gateway serves from running as the gateway's origin. The gateway serves
// content of any type from anyone, HTML and SVG with scripts included:
//
//	Content-Security-Policy: sandbox  a page is in a unique, opaque origin,
//	                                  with no scripts, forms, popups or plugins
//	X-Content-Type-Options: nosniff   browsers keep to the Content-Type sent,
//	                                  and never guess HTML or script from bytes
//
// They are set before next runs; boxo's gateway adds to the header map and
// never removes these.
func sandboxed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "sandbox")
		h.Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

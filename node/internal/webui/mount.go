package webui

import (
	"net/http"
	"strings"
)

// Mount serves ui (New's handler) at / (a redirect), /ui and under Prefix,
// and passes every other request to next unchanged: how the daemon serves
// the web view on the API's listener without the API's routes or checks
// changing.
func Mount(ui, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "/" || p == "/ui" || strings.HasPrefix(p, Prefix) {
			ui.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

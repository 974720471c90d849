package upload

import "net/http"

// Handler returns h with its response bodies limited by l and counted for
// Gateway; a wait ends with the request's context. Headers are not counted.
func Handler(l *Limiter, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&responseWriter{ResponseWriter: w, l: l, r: r}, r)
	})
}

// responseWriter limits Write. It keeps Flush and lets
// http.ResponseController reach the writer below (Unwrap); it does not
// offer io.ReaderFrom, so copies go through Write.
type responseWriter struct {
	http.ResponseWriter
	l *Limiter
	r *http.Request
}

func (w *responseWriter) Write(p []byte) (int, error) {
	return w.l.Write(w.r.Context(), Gateway, w.ResponseWriter, p)
}

func (w *responseWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

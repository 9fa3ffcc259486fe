package httpapi

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// HasDotOrEmptySegment reports whether a request path has a "." or ".." segment or an empty
// one ("//", a trailing "/"): no route of the API has such a path.
func HasDotOrEmptySegment(path string) bool {
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return path != "/"
		}
	}
	return false
}

// strictPaths answers a path with control characters or invalid UTF-8 with 400, and one
// with dot or empty segments with 404, before any route sees it: never a redirect to a
// cleaned path (ServeMux's answer), never an error page. Every answer says nosniff.
func strictPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		switch p := r.URL.Path; {
		case !utf8.ValidString(p) || strings.IndexFunc(p, unicode.IsControl) >= 0:
			WriteProblem(w, r, http.StatusBadRequest, "the path holds control characters or is not UTF-8")
		case HasDotOrEmptySegment(p):
			WriteProblem(w, r, http.StatusNotFound, "no resource at "+p)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

package httpapi_test

import (
	"net/http"
	"testing"
)

// API Gateway hands the Lambda the decoded path; the adapter must not fail on it (an
// invocation error is API Gateway's 502), and the handler answers a problem document.
func TestPathsTheAdapterCannotParseAreProblemDocuments(t *testing.T) {
	h := newHarness(t)
	for path, want := range map[string]int{
		"/job/\x00":          http.StatusBadRequest,
		"/job/a\r\nX: y":     http.StatusBadRequest,
		"/job/%zz":           http.StatusNotFound, // a literal percent: no such ticket
		"/job/a?b":           http.StatusNotFound, // a literal question mark, not a query
		"/job/../../etc":     http.StatusNotFound,
		"/job/\xff":          http.StatusBadRequest,
		"/job/01a236f32bec6": http.StatusNotFound,
	} {
		e := gatewayEvent(admin, "GET", "/job/x")
		e.Path, e.RequestContext.Path = path, "/dev"+path
		r := h.call("get-job", e)
		expectStatus(t, r, want)
		if ct := r.header("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%q: Content-Type %q", path, ct)
		}
		if r.header("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%q: no nosniff", path)
		}
	}
}

func TestMoreThanOneXAuthTokenIsRefusedBehindTheAuthorizer(t *testing.T) {
	h := newHarness(t)
	e := gatewayEvent(admin, "GET", "/job/error")
	e.MultiValueHeaders = map[string][]string{"X-Auth-Token": {"ast_one", "ast_two"}}
	expectStatus(t, h.call("list-error-jobs", e), http.StatusUnauthorized)
}

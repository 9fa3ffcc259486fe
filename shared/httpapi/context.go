package httpapi

import (
	"context"
	"net/http"

	"github.com/actionservice/actionservice/shared/auth"
)

// What API Gateway knows of a request, as plain values in its context: whoever adapts the
// gateway's event to an http.Request (package service) puts them there, so the handlers
// read them the same way behind API Gateway and in a test's httptest.NewRequest.
type (
	principalKey struct{}
	requestIDKey struct{}
	basePathKey  struct{}
)

// WithPrincipal is the context of a request whose caller the authorizer vouched for.
func WithPrincipal(ctx context.Context, p auth.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// WithRequestID is the context of a request API Gateway gave that id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// WithBasePath is the context of a request whose client reaches the API's paths under
// base: the stage of the default execute-api URL (/dev), or a custom domain's base path.
func WithBasePath(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, basePathKey{}, base)
}

// principalOf is the caller the authorizer vouched for, if any.
func principalOf(r *http.Request) (auth.Principal, bool) {
	p, ok := r.Context().Value(principalKey{}).(auth.Principal)
	return p, ok
}

// principal is the authenticated caller of a request that passed requirePrincipal.
func principal(r *http.Request) auth.Principal {
	p, _ := principalOf(r)
	return p
}

// RequestID is API Gateway's request id when there is one, else the local stack's.
func RequestID(r *http.Request) string {
	if id, _ := r.Context().Value(requestIDKey{}).(string); id != "" {
		return id
	}
	return r.Header.Get("X-Request-Id")
}

// clientPath turns a path of the API (/job/…) into the one the client calls for it.
func clientPath(r *http.Request, path string) string {
	base, _ := r.Context().Value(basePathKey{}).(string)
	return base + path
}

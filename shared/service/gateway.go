package service

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/lambdafn"
)

// RouteProxy is what one route's Lambda runs: the route's handler behind the api-proxy
// adapter, with what API Gateway knows of the request handed over by fromGateway.
func RouteProxy(api *httpapi.API, route httpapi.Route) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	proxy := httpadapter.New(fromGateway(api.Handler(route))).ProxyWithContext
	return func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		// The adapter parses the event's path as a URL: a control character fails that (an
		// invocation error, which API Gateway answers 502) and a "?" or "#" would cut the path
		// short. Escaped, the path reaches the handlers as the client sent it, and they refuse
		// what they must with a problem document.
		e.Path = (&url.URL{Path: e.Path}).EscapedPath()
		return proxy(ctx, e)
	}
}

// RouteHandler is the route's Lambda as the local gateway invokes it: JSON event in, JSON
// response out, safe for concurrent requests.
func RouteHandler(api *httpapi.API, route httpapi.Route) lambda.Handler {
	return lambdafn.New(RouteProxy(api, route))
}

// fromGateway reads the API Gateway request context the adapter keeps with the request and
// puts what the handlers need in the request's context as httpapi's plain values, so that
// no handler depends on the adapter's types.
//
// The base path: the request's URL path is the event's path, which lacks the stage of the
// default execute-api URL (/dev/job is /job there); the request context's path is the path
// the client called, stage or custom-domain base path included, so what precedes the
// request's own path there is the prefix every path of the API needs. Without that context
// (or without its path) the API's paths are the client's.
func fromGateway(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Without a gateway context (zero) there is nothing to hand over.
		gw, _ := core.GetAPIGatewayContextFromContext(r.Context())
		ctx := r.Context()
		if p, ok := auth.FromContext(gw.Authorizer); ok {
			ctx = httpapi.WithPrincipal(ctx, p)
		}
		if gw.RequestID != "" {
			ctx = httpapi.WithRequestID(ctx, gw.RequestID)
		}
		if base, ok := strings.CutSuffix(gw.Path, r.URL.Path); ok {
			ctx = httpapi.WithBasePath(ctx, base)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
